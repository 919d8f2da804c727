using McpFoundation.Sessions;
using McpFoundation.Tools;
using McpFoundation.Servers;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Front;

/// <summary>Tells every connected client when the gateway's tools, resources or prompts change.</summary>
internal sealed class CatalogueNotifier : IDisposable
{
    private readonly CatalogueStore _catalogue;
    private readonly ClientBridge _bridge;

    public CatalogueNotifier(CatalogueStore catalogue, ClientBridge bridge)
    {
        _catalogue = catalogue;
        _bridge = bridge;
        _catalogue.Changed += OnChanged;
    }

    public void Dispose() => _catalogue.Changed -= OnChanged;

    private void OnChanged(CatalogueParts parts) => _ = NotifyAsync(parts);

    private async Task NotifyAsync(CatalogueParts parts)
    {
        if (parts.HasFlag(CatalogueParts.Tools))
        {
            await _bridge.BroadcastAsync(NotificationMethods.ToolListChangedNotification);
        }

        if (parts.HasFlag(CatalogueParts.Resources))
        {
            await _bridge.BroadcastAsync(NotificationMethods.ResourceListChangedNotification);
        }

        if (parts.HasFlag(CatalogueParts.Prompts))
        {
            await _bridge.BroadcastAsync(NotificationMethods.PromptListChangedNotification);
        }
    }
}
