using System.Security.Claims;
using McpFoundation.Pipeline;
using McpFoundation.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Security.Policy;

/// <summary>
/// C1, each user sees only what they may call: trims the results of <c>tools/list</c>, <c>prompts/list</c>,
/// <c>resources/list</c> and <c>resources/templates/list</c> to the entries the policy lets the caller attempt
/// (<see cref="PolicyService.IsVisible(ClaimsPrincipal, PolicyTargetKind, string, string?)"/>: not hidden by an
/// unconditional deny, and allowed or asked by some rule when the default denies). Installed right after the
/// <see cref="PolicyFilter"/>; does nothing while no policy is enforced. Trimming is pure computation on the result.
/// </summary>
/// <remarks>The catalogue is resolved on first use: the catalogue depends on the servers, whose bridge to the clients
/// depends on the pipeline that holds this filter.</remarks>
internal sealed class CallerCatalogueFilter(PolicyService policy, IServiceProvider services) : INonBlockingFilter
{
    public const string FilterName = "policy.lists";
    private CatalogueStore? _catalogue;

    public string Name => FilterName;

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SecurityDecision.Allow);

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Category != OperationCategory.Discovery || outcome.Result is not { } result || !policy.IsEnforced)
        {
            return ValueTask.CompletedTask;
        }

        _catalogue ??= services.GetRequiredService<CatalogueStore>();
        if (Trim(policy.Current, context.User, _catalogue.Current, result) is { } trimmed)
        {
            context.ReplaceResult(trimmed, FilterName);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The list result as <paramref name="user"/> may see it under <paramref name="compiled"/>; null when nothing is hidden (or it is no list).</summary>
    internal static object? Trim(CompiledPolicy compiled, ClaimsPrincipal user, GatewayCatalogue catalogue, object result)
    {
        switch (result)
        {
            case ListToolsResult tools:
                List<Tool> visibleTools = [.. tools.Tools.Where(t => PolicyService.IsVisible(compiled, user, PolicyTargetKind.Tool, t.Name, catalogue.TryGetTool(t.Name, out NamedRoute route) ? route.ServerId : null))];
                return visibleTools.Count == tools.Tools.Count ? null : new ListToolsResult { Tools = visibleTools, NextCursor = tools.NextCursor, Meta = tools.Meta };
            case ListPromptsResult prompts:
                List<Prompt> visiblePrompts = [.. prompts.Prompts.Where(p => PolicyService.IsVisible(compiled, user, PolicyTargetKind.Prompt, p.Name, catalogue.TryGetPrompt(p.Name, out NamedRoute route) ? route.ServerId : null))];
                return visiblePrompts.Count == prompts.Prompts.Count ? null : new ListPromptsResult { Prompts = visiblePrompts, NextCursor = prompts.NextCursor, Meta = prompts.Meta };
            case ListResourcesResult resources:
                List<Resource> visibleResources = [.. resources.Resources.Where(r => PolicyService.IsVisible(compiled, user, PolicyTargetKind.Resource, r.Uri, catalogue.FindResourceServer(r.Uri)))];
                return visibleResources.Count == resources.Resources.Count ? null : new ListResourcesResult { Resources = visibleResources, NextCursor = resources.NextCursor, Meta = resources.Meta };
            case ListResourceTemplatesResult templates:
                List<ResourceTemplate> visibleTemplates = [.. templates.ResourceTemplates.Where(t => PolicyService.IsVisible(compiled, user, PolicyTargetKind.Resource, t.UriTemplate, null))];
                return visibleTemplates.Count == templates.ResourceTemplates.Count ? null : new ListResourceTemplatesResult { ResourceTemplates = visibleTemplates, NextCursor = templates.NextCursor, Meta = templates.Meta };
            default:
                return null;
        }
    }
}
