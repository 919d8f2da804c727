using System.Collections.Concurrent;
using System.Diagnostics;
using McpFoundation.Configuration;
using McpFoundation.Pipeline;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>
/// One configured server: its single connection through the SDK's <see cref="McpClient"/>, its catalogue, its health,
/// and the calls in flight on it.
/// </summary>
internal sealed partial class DownstreamServer : IAsyncDisposable
{
    /// <summary>The protocol revision the gateway asks downstream servers for.</summary>
    internal const string DownstreamProtocolVersion = "2025-11-25";

    private const string RemotePrefix = "Request failed (remote): ";

    private static readonly TimeSpan MinimumConnectTimeout = TimeSpan.FromSeconds(60);

    private readonly IServerListener _listener;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ProgressRelay _relay;
    private readonly ConcurrentDictionary<long, InFlightCall> _inFlight = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _catalogueLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private long _nextCallId;
    private McpClient? _client;
    private DirectRequests? _direct;
    private ServerCatalogue _catalogue = ServerCatalogue.Empty;
    private ServerHealth _health;

    public DownstreamServer(string id, ServerDefinition definition, TimeSpan defaultTimeout, IServerListener listener, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        Id = id;
        Definition = definition;
        CallTimeout = definition.Timeout ?? defaultTimeout;
        _listener = listener;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("McpFoundation.Servers." + id);
        _timeProvider = timeProvider;
        _relay = new ProgressRelay(_logger);
        _health = new ServerHealth(id, definition.Enabled ? ServerState.Connecting : ServerState.Disabled, null, timeProvider.GetUtcNow(), null);
    }

    public string Id { get; }

    public ServerDefinition Definition { get; }

    public TimeSpan CallTimeout { get; }

    /// <summary>Gets how long starting and initializing the server may take (an `npx` first run downloads the package).</summary>
    public TimeSpan ConnectTimeout => CallTimeout > MinimumConnectTimeout ? CallTimeout : MinimumConnectTimeout;

    public ServerHealth Health => _health;

    public ServerCatalogue Catalogue => _catalogue;

    public ServerCapabilities? Capabilities => _client?.ServerCapabilities;

    public Implementation? ServerInfo => _client?.ServerInfo;

    public string? NegotiatedProtocolVersion => _client?.NegotiatedProtocolVersion;

    public ProgressRelay Progress => _relay;

    public ICollection<InFlightCall> InFlightCalls => _inFlight.Values;

    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            if (_client is not null)
            {
                McpClient stale = _client;
                _client = null;
                await DisposeClientQuietlyAsync(stale);
            }

            SetHealth(ServerState.Connecting, null, null);
            long started = Stopwatch.GetTimestamp();
            try
            {
                var transport = new RelayingClientTransport(
                    ServerTransportFactory.Create(Definition, _loggerFactory, line => LogStandardError(_logger, Id, line)),
                    _relay);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
                timeout.CancelAfter(ConnectTimeout + CallTimeout);
                McpClient client = await McpClient.CreateAsync(transport, CreateClientOptions(), _loggerFactory, timeout.Token);
                _direct = transport.Direct;
                _client = client;
                await UpdateCatalogueAsync(client, CatalogueParts.All, timeout.Token);
                _ = WatchCompletionAsync(client);
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                Implementation? serverInfo = client.ServerInfo;
                LogConnected(_logger, Id, serverInfo?.Name ?? "?", serverInfo?.Version ?? "?", client.NegotiatedProtocolVersion, _catalogue.Tools.Count, elapsed.TotalMilliseconds);
                SetHealth(ServerState.Connected, null, elapsed);
                _listener.OnCatalogueChanged(this, CatalogueParts.All);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                string message = DescribeConnectFailure(ex);
                LogConnectFailed(_logger, Id, message, ex);
                if (_client is { } partial)
                {
                    _client = null;
                    await DisposeClientQuietlyAsync(partial);
                }

                _catalogue = ServerCatalogue.Empty;
                SetHealth(ServerState.Failed, message, null);
                _listener.OnCatalogueChanged(this, CatalogueParts.All);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public async Task<ServerHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        if (!Definition.Enabled || _lifetime.IsCancellationRequested)
        {
            return _health;
        }

        if (_client is not { } client || client.Completion.IsCompleted)
        {
            // Never connected, or the connection is gone (the process exited, the remote closed): a ping on it cannot
            // succeed, so reconnect instead.
            await ConnectAsync(cancellationToken);
            return _health;
        }

        long started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CallTimeout);
            await client.PingAsync(cancellationToken: timeout.Token);
            SetHealth(ServerState.Connected, null, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SetHealth(ServerState.Failed, "Ping failed: " + ex.Message, null);
        }

        return _health;
    }

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
        McpClient client = _client ?? throw Unavailable();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            return await invoke(client, state, timeout.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
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
        catch (Exception ex) when (ex is not McpProtocolException)
        {
            // The connection broke under the call (the process exited, the remote closed): the server is unavailable.
            throw Unavailable(client.Completion.IsCompleted ? null : ex.Message);
        }
    }

    /// <summary>
    /// Forwards a client's request on this server's connection through the direct path (see <see cref="DirectRequests"/>),
    /// with the server's timeout; the server's own JSON-RPC errors come back unchanged.
    /// </summary>
    public ValueTask<TResult> ForwardAsync<TParams, TResult>(string method, TParams parameters, CancellationToken cancellationToken)
    {
        DirectRequests direct = _direct ?? throw Unavailable();
        return InvokeAsync(
            method,
            (Direct: direct, Method: method, Parameters: parameters),
            static (_, state, ct) => new ValueTask<TResult>(state.Direct.SendAsync<TParams, TResult>(state.Method, state.Parameters, ct)),
            cancellationToken);
    }

    public ValueTask DisposeAsync() => StopAsync();

    public async ValueTask StopAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        await _lifetime.CancelAsync();
        await _connectLock.WaitAsync();
        try
        {
            if (_client is { } client)
            {
                _client = null;
                await DisposeClientQuietlyAsync(client);
            }

            _catalogue = ServerCatalogue.Empty;
            SetHealth(ServerState.Stopped, null, null);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    internal McpProtocolException Unavailable(string? cause = null)
    {
        string detail = cause is not null ? $" ({cause})"
            : _health.ErrorMessage is { Length: > 0 } error ? $" ({_health.State}: {error})"
            : _client is { Completion.IsCompleted: true } ? " (the connection closed)"
            : $" ({_health.State})";
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
                new(NotificationMethods.ToolListChangedNotification, (_, ct) => RefreshAsync(CatalogueParts.Tools, ct)),
                new(NotificationMethods.ResourceListChangedNotification, (_, ct) => RefreshAsync(CatalogueParts.Resources, ct)),
                new(NotificationMethods.PromptListChangedNotification, (_, ct) => RefreshAsync(CatalogueParts.Prompts, ct)),
                new(NotificationMethods.LoggingMessageNotification, (n, ct) => _listener.OnNotificationAsync(this, n, ct)),
                new(NotificationMethods.ResourceUpdatedNotification, (n, ct) => _listener.OnNotificationAsync(this, n, ct)),
            ],
        },
    };

    private async ValueTask RefreshAsync(CatalogueParts parts, CancellationToken cancellationToken)
    {
        if (_client is not { } client)
        {
            return;
        }

        try
        {
            await UpdateCatalogueAsync(client, parts, cancellationToken);
            LogCatalogueRefreshed(_logger, Id, parts, _catalogue.Tools.Count);
            _listener.OnCatalogueChanged(this, parts);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRefreshFailed(_logger, Id, ex);
        }
    }

    /// <summary>
    /// Fetches <paramref name="parts"/> again and keeps the rest. One fetch at a time, each starting from the latest
    /// catalogue: a list_changed that arrives while the initial fetch runs (server-everything sends some right after
    /// initialize) must not replace the other parts with empty ones.
    /// </summary>
    private async Task UpdateCatalogueAsync(McpClient client, CatalogueParts parts, CancellationToken cancellationToken)
    {
        await _catalogueLock.WaitAsync(cancellationToken);
        try
        {
            _catalogue = await FetchCatalogueAsync(client, parts, _catalogue, cancellationToken);
        }
        finally
        {
            _catalogueLock.Release();
        }
    }

    private static async Task<ServerCatalogue> FetchCatalogueAsync(McpClient client, CatalogueParts parts, ServerCatalogue current, CancellationToken cancellationToken)
    {
        ServerCapabilities capabilities = client.ServerCapabilities;
        IReadOnlyList<Tool> tools = current.Tools;
        IReadOnlyList<Resource> resources = current.Resources;
        IReadOnlyList<ResourceTemplate> templates = current.ResourceTemplates;
        IReadOnlyList<Prompt> prompts = current.Prompts;

        if (parts.HasFlag(CatalogueParts.Tools))
        {
            tools = capabilities.Tools is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, ct) is var r ? (r.Tools, r.NextCursor) : default,
                cancellationToken);
        }

        if (parts.HasFlag(CatalogueParts.Resources))
        {
            resources = capabilities.Resources is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, ct) is var r ? (r.Resources, r.NextCursor) : default,
                cancellationToken);
            templates = capabilities.Resources is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, ct) is var r ? (r.ResourceTemplates, r.NextCursor) : default,
                cancellationToken);
        }

        if (parts.HasFlag(CatalogueParts.Prompts))
        {
            prompts = capabilities.Prompts is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, ct) is var r ? (r.Prompts, r.NextCursor) : default,
                cancellationToken);
        }

        return new ServerCatalogue(tools, resources, templates, prompts);
    }

    private static async Task<IReadOnlyList<T>> ListAllAsync<T>(Func<string?, CancellationToken, Task<(IList<T> Items, string? NextCursor)>> listPage, CancellationToken cancellationToken)
    {
        const int MaxPages = 1000;
        var all = new List<T>();
        string? cursor = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int page = 0; page < MaxPages; page++)
        {
            (IList<T> items, string? next) = await listPage(cursor, cancellationToken);
            if (items is not null)
            {
                all.AddRange(items);
            }

            if (string.IsNullOrEmpty(next) || !seen.Add(next))
            {
                break;
            }

            cursor = next;
        }

        return all;
    }

    private async Task WatchCompletionAsync(McpClient client)
    {
        ClientCompletionDetails details;
        try
        {
            details = await client.Completion;
        }
        catch (Exception ex)
        {
            details = new ClientCompletionDetails { Exception = ex };
        }

        if (_lifetime.IsCancellationRequested || !ReferenceEquals(_client, client))
        {
            return;
        }

        string reason = details switch
        {
            StdioClientCompletionDetails stdio => $"the process exited with code {stdio.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}"
                + (stdio.StandardErrorTail is { Count: > 0 } tail ? "; last stderr: " + tail[^1] : string.Empty),
            _ when details.Exception is { } ex => "the connection closed: " + ex.Message,
            _ => "the connection closed",
        };
        LogDisconnected(_logger, Id, reason);
        _catalogue = ServerCatalogue.Empty;
        SetHealth(ServerState.Failed, reason, null);
        _listener.OnCatalogueChanged(this, CatalogueParts.All);
    }

    private void SetHealth(ServerState state, string? error, TimeSpan? latency)
    {
        ServerHealth previous = _health;
        _health = new ServerHealth(Id, state, error, _timeProvider.GetUtcNow(), latency ?? (state == ServerState.Connected ? previous.Latency : null));
        if (previous.State != state || previous.ErrorMessage != error)
        {
            _listener.OnHealthChanged(this, previous.State, _health);
        }
    }

    private string DescribeConnectFailure(Exception ex) => Definition.Transport switch
    {
        // Arguments and URL queries may carry tokens: only the safe display form goes into logs, health and errors.
        ServerTransport.Stdio => $"Could not start '{Definition.DisplayTarget}': {ex.Message}",
        _ => $"Could not connect to {Definition.DisplayTarget}: {ex.Message}",
    };

    private async Task DisposeClientQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync();
        }
        catch (Exception ex)
        {
            LogDisposeFailed(_logger, Id, ex);
        }
    }

    internal readonly struct CallRegistration(DownstreamServer server, long id) : IDisposable
    {
        public void Dispose() => server._inFlight.TryRemove(id, out _);
    }

    [LoggerMessage(EventId = 1200, EventName = "ServerConnected", Level = LogLevel.Information,
        Message = "Server {ServerId} connected: {ServerName} {ServerVersion}, protocol {ProtocolVersion}, {ToolCount} tools, in {ElapsedMs:0} ms")]
    private static partial void LogConnected(ILogger logger, string serverId, string serverName, string serverVersion, string? protocolVersion, int toolCount, double elapsedMs);

    [LoggerMessage(EventId = 1201, EventName = "ServerConnectFailed", Level = LogLevel.Error, Message = "Server {ServerId} failed to connect: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string serverId, string reason, Exception exception);

    [LoggerMessage(EventId = 1202, EventName = "ServerDisconnected", Level = LogLevel.Warning, Message = "Server {ServerId} disconnected: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string serverId, string reason);

    [LoggerMessage(EventId = 1203, EventName = "ServerCatalogueRefreshed", Level = LogLevel.Debug, Message = "Server {ServerId} catalogue refreshed ({Parts}); {ToolCount} tools")]
    private static partial void LogCatalogueRefreshed(ILogger logger, string serverId, CatalogueParts parts, int toolCount);

    [LoggerMessage(EventId = 1204, EventName = "ServerRefreshFailed", Level = LogLevel.Warning, Message = "Server {ServerId} catalogue refresh failed")]
    private static partial void LogRefreshFailed(ILogger logger, string serverId, Exception exception);

    [LoggerMessage(EventId = 1205, EventName = "ServerStandardError", Level = LogLevel.Debug, Message = "Server {ServerId} stderr: {Line}")]
    private static partial void LogStandardError(ILogger logger, string serverId, string line);

    [LoggerMessage(EventId = 1206, EventName = "ServerDisposeFailed", Level = LogLevel.Debug, Message = "Server {ServerId} did not close cleanly")]
    private static partial void LogDisposeFailed(ILogger logger, string serverId, Exception exception);

}
