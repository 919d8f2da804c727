using ModelContextProtocol.Protocol;

namespace McpFoundation.Upstreams;

/// <summary>What an <see cref="Upstream"/> reports to the rest of the gateway.</summary>
internal interface IUpstreamListener
{
    void OnCatalogueChanged(Upstream upstream, CatalogueParts parts);

    void OnHealthChanged(Upstream upstream, UpstreamState previous, ServerHealth current);

    /// <summary>A notification the clients may need: log messages and resource updates.</summary>
    ValueTask OnNotificationAsync(Upstream upstream, JsonRpcNotification notification, CancellationToken cancellationToken);

    ValueTask<CreateMessageResult> OnSamplingAsync(Upstream upstream, CreateMessageRequestParams? request, CancellationToken cancellationToken);

    ValueTask<ElicitResult> OnElicitationAsync(Upstream upstream, ElicitRequestParams? request, CancellationToken cancellationToken);

    ValueTask<ListRootsResult> OnRootsAsync(Upstream upstream, ListRootsRequestParams? request, CancellationToken cancellationToken);
}
