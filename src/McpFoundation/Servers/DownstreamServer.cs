using System.Collections.Concurrent;
using McpFoundation.Configuration;
using McpFoundation.Pipeline;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>
/// One configured server, composed of its connection (<see cref="ServerConnection"/>), its health
/// (<see cref="ServerHealthTracker"/>, checked by <see cref="ServerHealthMonitor"/>) and its catalogue
/// (<see cref="CatalogueFetcher"/>); it forwards calls on the connection and tracks the calls in flight on it.
/// </summary>
internal sealed class DownstreamServer : IAsyncDisposable
{
    /// <summary>The protocol revision the gateway asks downstream servers for.</summary>
    internal const string DownstreamProtocolVersion = "2025-11-25";

    private const string RemotePrefix = "Request failed (remote): ";

    private readonly IServerListener _listener;
    private readonly ProgressRelay _relay;
    private readonly ServerHealthTracker _health;
    private readonly CatalogueFetcher _catalogue;
    private readonly ServerConnection _connection;
    private readonly ServerHealthMonitor _monitor;
    private readonly ConcurrentDictionary<long, InFlightCall> _inFlight = new();
    private long _nextCallId;

    public DownstreamServer(string id, ServerDefinition definition, TimeSpan defaultTimeout, TimeSpan defaultConnectTimeout, IServerListener listener, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        Id = id;
        Definition = definition;
        CallTimeout = definition.Timeout ?? defaultTimeout;
        ConnectTimeout = definition.ConnectTimeout ?? defaultConnectTimeout;
        _listener = listener;
        ILogger logger = loggerFactory.CreateLogger("McpFoundation.Servers." + id);
        _relay = new ProgressRelay(logger);
        _health = new ServerHealthTracker(id, definition.Enabled, timeProvider, (previous, current) => listener.OnHealthChanged(this, previous, current));
        _catalogue = new CatalogueFetcher(id, logger, parts => listener.OnCatalogueChanged(this, parts));
        _connection = new ServerConnection(id, definition, ConnectTimeout, _relay, CreateClientOptions, _health, _catalogue, loggerFactory, logger, timeProvider);
        _monitor = new ServerHealthMonitor(_connection, _health, definition.Enabled, CallTimeout, timeProvider);
    }

    public string Id { get; }

    public ServerDefinition Definition { get; }

    public TimeSpan CallTimeout { get; }

    /// <summary>
    /// Gets how long one connect attempt (start, initialize, list the catalogue) may take: <c>servers.&lt;id&gt;.connect_timeout</c>,
    /// else <c>settings.connect_timeout</c> (an <c>npx</c> first run downloads the package).
    /// </summary>
    public TimeSpan ConnectTimeout { get; }

    public ServerHealth Health => _health.Current;

    public ServerCatalogue Catalogue => _catalogue.Current;

    public ServerCapabilities? Capabilities => _connection.Client?.ServerCapabilities;

    public Implementation? ServerInfo => _connection.Client?.ServerInfo;

    public string? NegotiatedProtocolVersion => _connection.Client?.NegotiatedProtocolVersion;

    public ProgressRelay Progress => _relay;

    public ICollection<InFlightCall> InFlightCalls => _inFlight.Values;

    /// <summary>Gets a value indicating whether a health check of this server is running now.</summary>
    internal bool IsCheckingHealth => _monitor.IsChecking;

    public Task ConnectAsync(CancellationToken cancellationToken = default) => _connection.ConnectAsync(cancellationToken);

    /// <inheritdoc cref="ServerHealthMonitor.CheckAsync"/>
    public Task<ServerHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => _monitor.CheckAsync(cancellationToken);

    /// <inheritdoc cref="ServerHealthMonitor.RestartAsync"/>
    public Task<ServerHealth> RestartAsync(CancellationToken cancellationToken = default) => _monitor.RestartAsync(cancellationToken);

    /// <summary>Registers a client request as waiting on this server, for attributing server-to-client requests.</summary>
    public CallRegistration Track(InFlightCall call)
    {
        long id = Interlocked.Increment(ref _nextCallId);
        _inFlight[id] = call;
        return new CallRegistration(this, id);
    }

    public async ValueTask<TResult> InvokeAsync<TState, TResult>(
        string operation,
        TState state,
        Func<McpClient, TState, CancellationToken, ValueTask<TResult>> invoke,
        CancellationToken cancellationToken)
    {
        McpClient client = _connection.Client ?? throw Unavailable();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            return await invoke(client, state, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new McpProtocolException(
                $"Server '{Id}' did not answer {operation} within {CallTimeout.TotalSeconds:0.###} s. Raise servers.{Id}.timeout (seconds) or MCP_DEFAULT_TIMEOUT if it needs longer.",
                (McpErrorCode)GatewayErrorCodes.ServerTimeout);
        }
        catch (McpProtocolException ex) when (ex.Message.StartsWith(RemotePrefix, StringComparison.Ordinal))
        {
            // Keep the downstream's own code and message, without the SDK's local prefix.
            throw new McpProtocolException(ex.Message[RemotePrefix.Length..], ex.ErrorCode);
        }
        catch (Exception ex) when (ex is not McpProtocolException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The connection broke under the call (the process exited, the remote closed): the server is unavailable.
            // The caller's cancellation passes through as it is, by the filters rather than a catch and rethrow: every
            // throw costs when an emergency stop unwinds a thousand calls.
            throw Unavailable(client.Completion.IsCompleted ? null : ex.Message);
        }
    }

    /// <summary>
    /// Forwards a client's request on this server's connection through the direct path (see <see cref="DirectRequests"/>),
    /// with the server's timeout; the server's own JSON-RPC errors come back unchanged.
    /// </summary>
    public ValueTask<TResult> ForwardAsync<TParams, TResult>(string method, TParams parameters, CancellationToken cancellationToken)
    {
        DirectRequests direct = _connection.Direct ?? throw Unavailable();
        return InvokeAsync(
            method,
            (Direct: direct, Method: method, Parameters: parameters),
            static (_, state, ct) => new ValueTask<TResult>(state.Direct.SendAsync<TParams, TResult>(state.Method, state.Parameters, ct)),
            cancellationToken);
    }

    public ValueTask DisposeAsync() => StopAsync();

    public ValueTask StopAsync() => _connection.StopAsync();

    /// <summary>Kills a stdio server's process with its whole group or tree (see <see cref="ServerConnection.KillProcessTree"/>).</summary>
    public bool KillProcessTree() => _connection.KillProcessTree();

    internal McpProtocolException Unavailable(string? cause = null)
    {
        ServerHealth health = _health.Current;
        string detail = cause is not null ? $" ({cause})"
            : health.ErrorMessage is { Length: > 0 } error ? $" ({health.State}: {error})"

            // The connection closed under the call before its health was updated: say why from the same details.
            : _connection.Client is { Completion.IsCompletedSuccessfully: true } closed ? $" (Failed: {_connection.DescribeClosed(closed.Completion.Result)})"
            : _connection.Client is { Completion.IsCompleted: true } ? " (the connection closed)"
            : $" ({health.State})";
        return new McpProtocolException(
            $"Server '{Id}' is not connected{detail}. Check it with `mcpf servers list`; the gateway reconnects it at the next health check.",
            (McpErrorCode)GatewayErrorCodes.ServerUnavailable);
    }

    private McpClientOptions CreateClientOptions() => new()
    {
        ClientInfo = new Implementation { Name = "mcpfoundation", Title = "McpFoundation gateway", Version = GatewayVersion.Current },
        InitializationTimeout = ConnectTimeout,

        // The session-based revision: it keeps resource subscriptions, logging/setLevel, list_changed notifications and
        // server-to-client requests on the one shared connection, which the stateless 2026-07-28 revision moves elsewhere.
        ProtocolVersion = DownstreamProtocolVersion,
        Capabilities = new ClientCapabilities
        {
            Roots = new RootsCapability { ListChanged = true },
        },
        Handlers = new McpClientHandlers
        {
            SamplingHandler = (request, _, cancellationToken) => _listener.OnSamplingAsync(this, request, cancellationToken),
            ElicitationHandler = (request, cancellationToken) => _listener.OnElicitationAsync(this, request, cancellationToken),
            RootsHandler = (request, cancellationToken) => _listener.OnRootsAsync(this, request, cancellationToken),
            NotificationHandlers =
            [
                new(NotificationMethods.ToolListChangedNotification, (_, ct) => _catalogue.RefreshAsync(_connection.Client, CatalogueParts.Tools, ct)),
                new(NotificationMethods.ResourceListChangedNotification, (_, ct) => _catalogue.RefreshAsync(_connection.Client, CatalogueParts.Resources, ct)),
                new(NotificationMethods.PromptListChangedNotification, (_, ct) => _catalogue.RefreshAsync(_connection.Client, CatalogueParts.Prompts, ct)),
                new(NotificationMethods.LoggingMessageNotification, (n, ct) => _listener.OnNotificationAsync(this, n, ct)),
                new(NotificationMethods.ResourceUpdatedNotification, (n, ct) => _listener.OnNotificationAsync(this, n, ct)),
            ],
        },
    };

    internal readonly struct CallRegistration(DownstreamServer server, long id) : IDisposable
    {
        public void Dispose() => server._inFlight.TryRemove(id, out _);
    }
}
