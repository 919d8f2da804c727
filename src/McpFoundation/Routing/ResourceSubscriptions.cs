using McpFoundation.Pipeline;
using McpFoundation.Servers;
using McpFoundation.Sessions;
using McpFoundation.Tools;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace McpFoundation.Routing;

/// <summary>
/// Resource subscriptions of client sessions, reference-counted per server and URI: the server is subscribed once
/// however many sessions want the resource, and unsubscribed when the last one leaves (or its session ends). State
/// changes only here, in the pipeline's terminal step of an allowed subscribe or unsubscribe.
/// </summary>
internal sealed partial class ResourceSubscriptions
{
    private readonly ServerManager _servers;
    private readonly CatalogueStore _catalogue;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string ServerId, string Uri), int> _counts = [];

    public ResourceSubscriptions(ServerManager servers, CatalogueStore catalogue, SessionRegistry sessions, ILogger<ResourceSubscriptions> logger)
    {
        _servers = servers;
        _catalogue = catalogue;
        _logger = logger;
        sessions.SessionEnded += OnSessionEnded;
    }

    /// <summary>Subscribes the session to a resource of the context's server.</summary>
    public async ValueTask SubscribeAsync(OperationContext context, ClientSession session, string uri, CancellationToken cancellationToken)
    {
        DownstreamServer server = _servers.TryGetServer(context.ServerId!, out DownstreamServer found)
            ? found
            : throw new McpProtocolException($"Server '{context.ServerId}' was removed.", (McpErrorCode)GatewayErrorCodes.ServerUnavailable);
        if (server.Capabilities?.Resources?.Subscribe != true)
        {
            throw new McpProtocolException($"Server '{server.Id}' does not support resource subscriptions.", (McpErrorCode)GatewayErrorCodes.FeatureNotSupported);
        }

        if (!session.AddSubscription(uri))
        {
            return;
        }

        bool first;
        lock (_lock)
        {
            _counts.TryGetValue((server.Id, uri), out int count);
            _counts[(server.Id, uri)] = count + 1;
            first = count == 0;
        }

        if (first)
        {
            try
            {
                await server.InvokeAsync("resources/subscribe", uri, static async (c, u, ct) => { await c.SubscribeToResourceAsync(u, cancellationToken: ct); return true; }, cancellationToken);
            }
            catch
            {
                session.RemoveSubscription(uri);
                Release(server.Id, uri);
                throw;
            }
        }
    }

    public async ValueTask UnsubscribeAsync(string serverId, ClientSession session, string uri, CancellationToken cancellationToken)
    {
        if (!session.RemoveSubscription(uri) || !Release(serverId, uri))
        {
            return;
        }

        if (_servers.TryGetServer(serverId, out DownstreamServer server))
        {
            await server.InvokeAsync("resources/unsubscribe", uri, static async (c, u, ct) => { await c.UnsubscribeFromResourceAsync(u, cancellationToken: ct); return true; }, cancellationToken);
        }
    }

    private bool Release(string serverId, string uri)
    {
        lock (_lock)
        {
            if (!_counts.TryGetValue((serverId, uri), out int count))
            {
                return false;
            }

            if (count <= 1)
            {
                _counts.Remove((serverId, uri));
                return true;
            }

            _counts[(serverId, uri)] = count - 1;
            return false;
        }
    }

    /// <summary>A session that ends leaves its subscriptions: the gateway's own clean-up, not a client request.</summary>
    private void OnSessionEnded(ClientSession session)
    {
        foreach (string uri in session.Subscriptions.ToArray())
        {
            if (_catalogue.Current.FindResourceServer(uri) is { } serverId)
            {
                _ = UnsubscribeQuietlyAsync(serverId, session, uri);
            }
        }
    }

    private async Task UnsubscribeQuietlyAsync(string serverId, ClientSession session, string uri)
    {
        try
        {
            await UnsubscribeAsync(serverId, session, uri, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogUnsubscribeFailed(_logger, serverId, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1600, EventName = "UnsubscribeFailed", Level = LogLevel.Debug, Message = "Server {ServerId}: unsubscribe after session end failed: {Message}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string serverId, string message);
}
