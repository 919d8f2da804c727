using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Sessions;
using McpFoundation.Tools;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Security.Policy;

/// <summary>
/// After a configuration reload, tells each connected client whose view of the tools, prompts or resources the new
/// policy changes (<see cref="CallerCatalogueFilter"/>): <c>notifications/tools/list_changed</c> and its siblings, per
/// session, only when what that caller may see differs. Changes of the catalogue itself (servers added or removed) are
/// announced to everyone by the catalogue's own notifier.
/// </summary>
internal sealed partial class PolicyListNotifier : IDisposable
{
    private readonly GatewayConfigurationProvider _configuration;
    private readonly CatalogueStore _catalogue;
    private readonly SessionRegistry _sessions;
    private readonly ClientBridge _bridge;
    private readonly ILogger _logger;

    public PolicyListNotifier(GatewayConfigurationProvider configuration, CatalogueStore catalogue, SessionRegistry sessions, ClientBridge bridge, ILogger<PolicyListNotifier> logger)
    {
        _logger = logger;
        _configuration = configuration;
        _catalogue = catalogue;
        _sessions = sessions;
        _bridge = bridge;
        _configuration.Changed += OnChanged;
    }

    public void Dispose() => _configuration.Changed -= OnChanged;

    private void OnChanged(GatewayConfiguration previous, GatewayConfiguration next) => _ = Task.Run(async () =>
    {
        try
        {
            await NotifyAsync(previous, next);
        }
        catch (Exception ex)
        {
            // Announcing is best effort: a client that missed it sees the new view at its next list.
            LogNotifyFailed(_logger, ex);
        }
    });

    private async Task NotifyAsync(GatewayConfiguration previous, GatewayConfiguration next)
    {
        CompiledPolicy before = ViewOf(previous);
        CompiledPolicy after = ViewOf(next);
        if (ReferenceEquals(before, after))
        {
            return; // neither snapshot enforces a policy: everyone sees everything before and after.
        }

        GatewayCatalogue catalogue = _catalogue.Current;
        var lists = new (object List, string Method)[]
        {
            (new ListToolsResult { Tools = [.. catalogue.Tools] }, NotificationMethods.ToolListChangedNotification),
            (new ListPromptsResult { Prompts = [.. catalogue.Prompts] }, NotificationMethods.PromptListChangedNotification),
            (new ListResourcesResult { Resources = [.. catalogue.Resources] }, NotificationMethods.ResourceListChangedNotification),
        };
        foreach (ClientSession session in _sessions.Sessions)
        {
            foreach ((object list, string method) in lists)
            {
                object seenBefore = CallerCatalogueFilter.Trim(before, session.User, catalogue, list) ?? list;
                object seenAfter = CallerCatalogueFilter.Trim(after, session.User, catalogue, list) ?? list;
                if (!Names(seenBefore).SequenceEqual(Names(seenAfter), StringComparer.Ordinal))
                {
                    await _bridge.NotifyAsync(session, method);
                }
            }
        }
    }

    /// <summary>The policy a snapshot shows lists by: its compiled policy when it enforces one, else one that hides nothing.</summary>
    private static CompiledPolicy ViewOf(GatewayConfiguration configuration) =>
        PolicyInstallation.IsRequired(configuration) ? PolicyService.Compile(configuration) : CompiledPolicy.AllowAll;

    private static IEnumerable<string> Names(object list) => list switch
    {
        ListToolsResult tools => tools.Tools.Select(static t => t.Name),
        ListPromptsResult prompts => prompts.Prompts.Select(static p => p.Name),
        ListResourcesResult resources => resources.Resources.Select(static r => r.Uri),
        _ => [],
    };

    [LoggerMessage(EventId = 2110, EventName = "PolicyListChangedFailed", Level = LogLevel.Warning, Message = "After a reload, telling clients that what they may see changed failed; their next list shows the new view")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
