using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>What an <see cref="DownstreamServer"/> reports to the rest of the gateway.</summary>
internal interface IServerListener
{
    void OnCatalogueChanged(DownstreamServer server, CatalogueParts parts);

    void OnHealthChanged(DownstreamServer server, ServerState previous, ServerHealth current);

    /// <summary>A notification the clients may need: log messages and resource updates.</summary>
    ValueTask OnNotificationAsync(DownstreamServer server, JsonRpcNotification notification, CancellationToken cancellationToken);

    ValueTask<CreateMessageResult> OnSamplingAsync(DownstreamServer server, CreateMessageRequestParams? request, CancellationToken cancellationToken);

    ValueTask<ElicitResult> OnElicitationAsync(DownstreamServer server, ElicitRequestParams? request, CancellationToken cancellationToken);

    ValueTask<ListRootsResult> OnRootsAsync(DownstreamServer server, ListRootsRequestParams? request, CancellationToken cancellationToken);
}
