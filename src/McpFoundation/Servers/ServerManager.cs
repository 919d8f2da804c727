using System.Collections.Concurrent;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Sessions;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>
/// The seed's Server Manager: owns every configured MCP server (its connection, catalogue and health),
/// adds and removes servers at run time, and checks their health on an interval.
/// </summary>
/// <remarks>
/// <see cref="ServerHealthChanged"/> is raised on the gateway's event worker, in the order of the changes: a subscriber
/// that is slow or throws never delays a call, a health check or another server.
/// </remarks>
public sealed partial class ServerManager : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DownstreamServer> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DownstreamServer> _killed = new(StringComparer.Ordinal); // by the emergency stop, until restarted
    private readonly Lock _orderLock = new();
    private string[] _order = []; // configuration order; replaced (never changed in place) with _byId, under _orderLock
    private readonly GatewayConfigurationProvider _configuration;
    private readonly ClientBridge _bridge;
    private readonly GatewayEvents _events;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly GatewayMetrics? _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private bool _holdHealthChecks;
    private Task? _healthLoop;

    internal ServerManager(GatewayConfigurationProvider configuration, ClientBridge bridge, GatewayEvents events, ILoggerFactory loggerFactory, TimeProvider timeProvider, GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        _configuration = configuration;
        _bridge = bridge;
        _events = events;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ServerManager>();
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Raised when a server's health state changes (the seed's <c>server_health_changed</c> event): on the gateway's
    /// event worker, after the change, in the order the changes happened.
    /// </summary>
    public event EventHandler<ServerHealthChangedEventArgs>? ServerHealthChanged;

    internal event Action<DownstreamServer, CatalogueParts>? CatalogueChanged;

    /// <summary>Gets the ids of the configured servers, in configuration order.</summary>
    public IReadOnlyList<string> ServerIds => [.. Volatile.Read(ref _order).Where(_byId.ContainsKey)];

    internal IEnumerable<DownstreamServer> Servers => ServerIds.Select(id => _byId.TryGetValue(id, out DownstreamServer? u) ? u : null).OfType<DownstreamServer>();

    /// <summary>Gets the health of every configured server.</summary>
    /// <returns>One entry per server, in configuration order.</returns>
    public IReadOnlyList<ServerHealth> GetHealth() => [.. Servers.Select(u => u.Health)];

    /// <summary>Gets the definition a server was added with.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <returns>The definition, or null if there is no such server.</returns>
    public ServerDefinition? GetDefinition(string serverId) => _byId.TryGetValue(serverId, out DownstreamServer? u) ? u.Definition : null;

    /// <summary>Gets what a connected server said about itself at initialization.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <returns>Its name and version, or null if it is not connected.</returns>
    public Implementation? GetServerInfo(string serverId) => _byId.TryGetValue(serverId, out DownstreamServer? u) ? u.ServerInfo : null;

    /// <summary>Connects every enabled server of the configuration (concurrently) and starts the health checks.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when every server is connected or has failed.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        GatewayConfiguration configuration = _configuration.Current;
        NotEnforcedSettings.LogAll(_loggerFactory.CreateLogger(typeof(NotEnforcedSettings)), configuration);
        foreach ((string id, ServerDefinition definition) in configuration.Servers)
        {
            AddServer(id, definition);
        }

        await Task.WhenAll(Servers.Where(u => u.Definition.Enabled).Select(u => u.ConnectAsync(cancellationToken)));
        _healthLoop ??= RunHealthChecksAsync(configuration.Settings.HealthCheckInterval, _stopping.Token);
    }

    /// <summary>Adds a server at run time and connects it.</summary>
    /// <param name="serverId">Its id; becomes the tool name prefix.</param>
    /// <param name="definition">Its definition.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The server's health after the connection attempt.</returns>
    /// <exception cref="ArgumentException">The id is already in use, or the server limit would be exceeded.</exception>
    public async Task<ServerHealth> AddServerAsync(string serverId, ServerDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serverId);
        ArgumentNullException.ThrowIfNull(definition);
        int maxServers = _configuration.Current.Settings.MaxServers;
        if (definition.Enabled && Servers.Count(u => u.Definition.Enabled) >= maxServers)
        {
            throw new ArgumentException($"Cannot add server '{serverId}': {maxServers} servers are already enabled (MCP_MAX_SERVERS={maxServers}). Remove one or raise MCP_MAX_SERVERS.", nameof(serverId));
        }

        DownstreamServer server = AddServer(serverId, definition with { Name = serverId });
        if (definition.Enabled)
        {
            await server.ConnectAsync(cancellationToken);
        }

        return server.Health;
    }

    /// <summary>Adds a server described by a JSON object in the configuration file's format (the seed's <c>add_server(id, config)</c>).</summary>
    /// <param name="serverId">Its id.</param>
    /// <param name="configuration">A JSON object such as <c>{"transport":"stdio","command":["node","server.js"]}</c>.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The server's health after the connection attempt.</returns>
    /// <exception cref="ConfigurationException">The JSON is not a valid server definition; every error is listed.</exception>
    public Task<ServerHealth> AddServerAsync(string serverId, JsonElement configuration, CancellationToken cancellationToken = default)
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.ParseServerDefinition(serverId, configuration, _configuration.Current.Settings);
        if (!result.IsValid || result.Configuration is null || !result.Configuration.Servers.TryGetValue(serverId, out ServerDefinition? definition))
        {
            throw new ConfigurationException(result.Errors);
        }

        return AddServerAsync(serverId, definition, cancellationToken);
    }

    /// <summary>Stops a server and removes it and its tools from the gateway.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <param name="cancellationToken">Not used for the stop itself, which always completes.</param>
    /// <returns>True if a server was removed.</returns>
    public async Task<bool> RemoveServerAsync(string serverId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DownstreamServer? server;
        lock (_orderLock)
        {
            if (!_byId.TryRemove(serverId, out server))
            {
                return false;
            }

            _order = [.. _order.Where(id => id != serverId)];
        }

        await server.StopAsync();
        CatalogueChanged?.Invoke(server, CatalogueParts.All);
        LogRemoved(_logger, serverId);
        return true;
    }

    /// <summary>Checks one server now: pings it if connected, reconnects it if it failed; joins a check already running.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <param name="cancellationToken">Stops waiting for the check (which is bounded by the server's own timeouts).</param>
    /// <returns>Its health.</returns>
    /// <exception cref="KeyNotFoundException">No server has that id.</exception>
    public Task<ServerHealth> CheckServerHealthAsync(string serverId, CancellationToken cancellationToken = default) =>
        _byId.TryGetValue(serverId, out DownstreamServer? server)
            ? server.CheckHealthAsync(cancellationToken)
            : throw new KeyNotFoundException($"No server named '{serverId}'. Known servers: {string.Join(", ", ServerIds)}.");

    /// <summary>Stops every server.</summary>
    /// <returns>A task that completes when all are stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_byId.Values.Select(u => u.StopAsync().AsTask()));
        if (_healthLoop is not null)
        {
            try
            {
                await _healthLoop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
    }

    internal bool TryGetServer(string serverId, out DownstreamServer server) => _byId.TryGetValue(serverId, out server!);

    /// <summary>
    /// Gets or sets a value indicating whether the periodic health checks leave servers alone (neither pinged nor
    /// reconnected): set while an emergency stop with <c>kill_servers</c> keeps the killed servers down.
    /// </summary>
    internal bool HoldHealthChecks
    {
        get => Volatile.Read(ref _holdHealthChecks);
        set => Volatile.Write(ref _holdHealthChecks, value);
    }

    /// <summary>
    /// Kills every stdio server with its whole process group at once (SIGKILL); returns how many were running. The
    /// killed servers are remembered for <see cref="RestartKilledInBackground"/>.
    /// </summary>
    internal int KillStdioServers()
    {
        int killed = 0;
        foreach (DownstreamServer server in _byId.Values)
        {
            if (server.KillProcessTree())
            {
                _killed[server.Id] = server;
                killed++;
            }
        }

        return killed;
    }

    /// <summary>
    /// After an emergency stop that killed the stdio servers: starts each killed server again on a fresh connection
    /// (a new process, retried with a short backoff until it is connected; see <see cref="ServerHealthMonitor.RestartAsync"/>),
    /// without waiting for the killed connection's close to be noticed; every other server gets a health check. Does not wait.
    /// </summary>
    internal void RestartKilledInBackground()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        foreach (DownstreamServer server in Servers)
        {
            _ = _killed.TryRemove(server.Id, out _)
                ? RestartInBackgroundAsync(server, _stopping.Token)
                : CheckInBackgroundAsync(server, _stopping.Token);
        }
    }

    private async Task RestartInBackgroundAsync(DownstreamServer server, CancellationToken cancellationToken)
    {
        try
        {
            await server.RestartAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogHealthCheckFailed(_logger, server.Id, ex);
        }
        catch (OperationCanceledException)
        {
            // The gateway is shutting down.
        }
    }

    /// <summary>Starts a health check of every server now (those whose connection is gone reconnect); does not wait.</summary>
    internal void CheckAllInBackground()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        foreach (DownstreamServer server in Servers)
        {
            _ = CheckInBackgroundAsync(server, _stopping.Token);
        }
    }

    private DownstreamServer AddServer(string id, ServerDefinition definition)
    {
        var server = new DownstreamServer(id, definition, _configuration.Current.Settings.DefaultTimeout, _configuration.Current.Settings.ConnectTimeout, new Listener(this), _loggerFactory, _timeProvider);
        lock (_orderLock)
        {
            // The map and the order change together, so an id removed and added again at once is listed once.
            if (!_byId.TryAdd(id, server))
            {
                throw new ArgumentException($"A server named '{id}' already exists. Choose another id or remove it first.", nameof(id));
            }

            _order = [.. _order, id];
        }

        return server;
    }

    /// <summary>
    /// Every interval, starts a check of every server at once (each on its own, bounded by its own timeout), without
    /// waiting for the checks of the last tick: a server that hangs or reconnects slowly delays no other server, and a
    /// check still running at the next tick is left to finish rather than started again.
    /// </summary>
    private async Task RunHealthChecksAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, _timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (HoldHealthChecks)
            {
                continue;
            }

            foreach (DownstreamServer server in Servers)
            {
                if (server.IsCheckingHealth)
                {
                    LogHealthCheckStillRunning(_logger, server.Id);
                    continue;
                }

                _ = CheckInBackgroundAsync(server, cancellationToken);
            }
        }
    }

    private async Task CheckInBackgroundAsync(DownstreamServer server, CancellationToken cancellationToken)
    {
        try
        {
            await server.CheckHealthAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogHealthCheckFailed(_logger, server.Id, ex);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The gateway is stopping; the server's health says how it ended.
        }
    }

    [LoggerMessage(EventId = 1210, EventName = "ServerRemoved", Level = LogLevel.Information, Message = "Server {ServerId} removed")]
    private static partial void LogRemoved(ILogger logger, string serverId);

    [LoggerMessage(EventId = 1211, EventName = "HealthCheckFailed", Level = LogLevel.Warning, Message = "Health check of server {ServerId} failed")]
    private static partial void LogHealthCheckFailed(ILogger logger, string serverId, Exception exception);

    [LoggerMessage(EventId = 1213, EventName = "HealthCheckStillRunning", Level = LogLevel.Debug, Message = "Health check of server {ServerId} from the last interval is still running; not started again")]
    private static partial void LogHealthCheckStillRunning(ILogger logger, string serverId);

    [LoggerMessage(EventId = 1212, EventName = "ServerHealthChanged", Level = LogLevel.Information, Message = "Server {ServerId} is now {State} (was {Previous}){Error}")]
    private static partial void LogHealthChanged(ILogger logger, string serverId, ServerState state, ServerState previous, string error);

    private sealed class Listener(ServerManager manager) : IServerListener
    {
        public void OnCatalogueChanged(DownstreamServer server, CatalogueParts parts)
        {
            if (manager._byId.TryGetValue(server.Id, out DownstreamServer? current) && ReferenceEquals(current, server))
            {
                manager.CatalogueChanged?.Invoke(server, parts);
            }
        }

        public void OnHealthChanged(DownstreamServer server, ServerState previous, ServerHealth current)
        {
            // Called in the order of the changes, under the server's health lock: queue the event, never raise it here.
            LogHealthChanged(manager._logger, server.Id, current.State, previous, current.ErrorMessage is null ? string.Empty : ": " + current.ErrorMessage);
            manager._metrics?.RecordServerHealth(server.Id, current.State);
            manager._events.Post(
                (Manager: manager, Args: new ServerHealthChangedEventArgs(previous, current)),
                static e => e.Manager.ServerHealthChanged?.Invoke(e.Manager, e.Args));
        }

        public ValueTask OnNotificationAsync(DownstreamServer server, JsonRpcNotification notification, CancellationToken cancellationToken) =>
            manager._bridge.OnServerNotificationAsync(server, notification, cancellationToken);

        public ValueTask<CreateMessageResult> OnSamplingAsync(DownstreamServer server, CreateMessageRequestParams? request, CancellationToken cancellationToken) =>
            manager._bridge.SampleAsync(server, request, cancellationToken);

        public ValueTask<ElicitResult> OnElicitationAsync(DownstreamServer server, ElicitRequestParams? request, CancellationToken cancellationToken) =>
            manager._bridge.ElicitAsync(server, request, cancellationToken);

        public ValueTask<ListRootsResult> OnRootsAsync(DownstreamServer server, ListRootsRequestParams? request, CancellationToken cancellationToken) =>
            manager._bridge.ListRootsAsync(server, request, cancellationToken);
    }
}
