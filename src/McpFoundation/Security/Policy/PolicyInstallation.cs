using McpFoundation.Configuration;
using McpFoundation.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace McpFoundation.Security.Policy;

/// <summary>
/// Builds the pipeline's filter list, the <see cref="PolicyFilter"/> first, and decides per configuration snapshot
/// whether it has anything to enforce (<see cref="IsRequired"/>): the filter is always installed, so that a reload that
/// adds the first policy or profile applies at once, and lets everything pass while the snapshot asks for nothing.
/// </summary>
internal static class PolicyInstallation
{
    /// <summary>
    /// Whether the configuration asks for the policy step: a <c>policy</c> section, or a server with a
    /// <c>security_profile</c> (its argument checks: paths, hosts, private network, operations, extensions, limits).
    /// </summary>
    public static bool IsRequired(GatewayConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetSection<PolicyDefinition>(ConfigSectionsPolicyKey) is not null)
        {
            return true;
        }

        foreach (var server in configuration.Servers.Values)
        {
            if (server.SecurityProfile is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The pipeline's filters: the policy filter first, its list trimming next, the audit filter (a call's started
    /// record is durable before anything after it runs), then the ones added with <c>AddFilter</c>.
    /// </summary>
    public static IEnumerable<IOperationFilter> Filters(IServiceProvider services) =>
        [services.GetRequiredService<PolicyFilter>(), services.GetRequiredService<CallerCatalogueFilter>(), services.GetRequiredService<Audit.AuditFilter>(), .. services.GetServices<IOperationFilter>()];

    private const string ConfigSectionsPolicyKey = "policy";
}
