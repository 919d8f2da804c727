using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace McpFoundation.Security.Policy;

/// <summary>Decides whether the gateway's pipeline starts with the <see cref="PolicyFilter"/>, and builds the filter list.</summary>
internal static class PolicyInstallation
{
    /// <summary>
    /// Whether the configuration asks for the policy step: a <c>policy</c> section, or a server whose
    /// <c>security_profile</c> sets a field the argument checks enforce.
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
            if (server.SecurityProfile is { } profile
                && (profile.AllowedOperations.Count > 0 || profile.AllowedFileExtensions.Count > 0 || profile.RequireAuthentication))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The pipeline's filters: the policy filter first when required, then the ones added with <c>AddFilter</c>.</summary>
    public static IEnumerable<IOperationFilter> Filters(IServiceProvider services)
    {
        var added = services.GetServices<IOperationFilter>();
        return IsRequired(services.GetRequiredService<GatewayConfigurationProvider>().Current)
            ? [services.GetRequiredService<PolicyFilter>(), .. added]
            : added;
    }

    private const string ConfigSectionsPolicyKey = "policy";
}
