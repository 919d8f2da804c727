using System.Collections.Concurrent;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Sessions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Upstreams;

/// <summary>
/// The seed's Server Manager: owns every configured MCP server (its connection, catalogue and health),
/// adds and removes servers at run time, and checks their health on an interval.
/// </summary>
public sealed partial class ServerManager : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Upstream> _upstreams = new(StringComparer.Ordinal);
    private readonly Lock _orderLock = new();
    private string[] _order = []; // configuration order; replaced (never changed in place) with _upstreams, under _orderLock
    private readonly GatewayConfigurationProvider _configuration;
    private readonly ClientBridge _bridge;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _healthLoop;

    internal ServerManager(GatewayConfigurationProvider configuration, ClientBridge bridge, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _configuration = configuration;
        _bridge = bridge;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ServerManager>();
        _timeProvider = timeProvider;
    }

    /// <summary>Raised when a server's health state changes (the seed's <c>server_health_changed</c> event).</summary>
    public event EventHandler<ServerHealthChangedEventArgs>? ServerHealthChanged;

    internal event Action<Upstream, CatalogueParts>? CatalogueChanged;

    /// <summary>Gets the ids of the configured servers, in configuration order.</summary>
    public IReadOnlyList<string> ServerIds => [.. Volatile.Read(ref _order).Where(_upstreams.ContainsKey)];

    internal IEnumerable<Upstream> Upstreams => ServerIds.Select(id => _upstreams.TryGetValue(id, out Upstream? u) ? u : null).OfType<Upstream>();

    /// <summary>Gets the health of every configured server.</summary>
    /// <returns>One entry per server, in configuration order.</returns>
    public IReadOnlyList<ServerHealth> GetHealth() => [.. Upstreams.Select(u => u.Health)];

    /// <summary>Gets the definition a server was added with.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <returns>The definition, or null if there is no such server.</returns>
    public ServerDefinition? GetDefinition(string serverId) => _upstreams.TryGetValue(serverId, out Upstream? u) ? u.Definition : null;

    /// <summary>Gets what a connected server said about itself at initialization.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <returns>Its name and version, or null if it is not connected.</returns>
    public Implementation? GetServerInfo(string serverId) => _upstreams.TryGetValue(serverId, out Upstream? u) ? u.ServerInfo : null;

    /// <summary>Connects every enabled server of the configuration (concurrently) and starts the health checks.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when every server is connected or has failed.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        GatewayConfiguration configuration = _configuration.Current;
        foreach ((string id, ServerDefinition definition) in configuration.Servers)
        {
            AddUpstream(id, definition);
        }

        await Task.WhenAll(Upstreams.Where(u => u.Definition.Enabled).Select(u => u.ConnectAsync(cancellationToken)));
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
        if (definition.Enabled && Upstreams.Count(u => u.Definition.Enabled) >= maxServers)
        {
            throw new ArgumentException($"Cannot add server '{serverId}': {maxServers} servers are already enabled (MCP_MAX_SERVERS={maxServers}). Remove one or raise MCP_MAX_SERVERS.", nameof(serverId));
        }

        Upstream upstream = AddUpstream(serverId, definition with { Name = serverId });
        if (definition.Enabled)
        {
            await upstream.ConnectAsync(cancellationToken);
        }

        return upstream.Health;
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
        Upstream? upstream;
        lock (_orderLock)
        {
            if (!_upstreams.TryRemove(serverId, out upstream))
            {
                return false;
            }

            _order = [.. _order.Where(id => id != serverId)];
        }

        await upstream.StopAsync();
        CatalogueChanged?.Invoke(upstream, CatalogueParts.All);
        LogRemoved(_logger, serverId);
        return true;
    }

    /// <summary>Checks one server now: pings it if connected, reconnects it if it failed.</summary>
    /// <param name="serverId">The server's id.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Its health.</returns>
    /// <exception cref="KeyNotFoundException">No server has that id.</exception>
    public Task<ServerHealth> CheckServerHealthAsync(string serverId, CancellationToken cancellationToken = default) =>
        _upstreams.TryGetValue(serverId, out Upstream? upstream)
            ? upstream.CheckHealthAsync(cancellationToken)
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
        await Task.WhenAll(_upstreams.Values.Select(u => u.StopAsync().AsTask()));
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

    internal bool TryGetUpstream(string serverId, out Upstream upstream) => _upstreams.TryGetValue(serverId, out upstream!);

    private Upstream AddUpstream(string id, ServerDefinition definition)
    {
        var upstream = new Upstream(id, definition, _configuration.Current.Settings.DefaultTimeout, new Listener(this), _loggerFactory, _timeProvider);
        lock (_orderLock)
        {
            // The map and the order change together, so an id removed and added again at once is listed once.
            if (!_upstreams.TryAdd(id, upstream))
            {
                throw new ArgumentException($"A server named '{id}' already exists. Choose another id or remove it first.", nameof(id));
            }

            _order = [.. _order, id];
        }

        return upstream;
    }

    private async Task RunHealthChecksAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, _timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (Upstream upstream in Upstreams.ToArray())
            {
                try
                {
                    await upstream.CheckHealthAsync(cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogHealthCheckFailed(_logger, upstream.Id, ex);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1210, EventName = "ServerRemoved", Level = LogLevel.Information, Message = "Server {ServerId} removed")]
    private static partial void LogRemoved(ILogger logger, string serverId);

    [LoggerMessage(EventId = 1211, EventName = "HealthCheckFailed", Level = LogLevel.Warning, Message = "Health check of server {ServerId} failed")]
    private static partial void LogHealthCheckFailed(ILogger logger, string serverId, Exception exception);

    [LoggerMessage(EventId = 1212, EventName = "ServerHealthChanged", Level = LogLevel.Information, Message = "Server {ServerId} is now {State} (was {Previous}){Error}")]
    private static partial void LogHealthChanged(ILogger logger, string serverId, UpstreamState state, UpstreamState previous, string error);

    private sealed class Listener(ServerManager manager) : IUpstreamListener
    {
        public void OnCatalogueChanged(Upstream upstream, CatalogueParts parts)
        {
            if (manager._upstreams.TryGetValue(upstream.Id, out Upstream? current) && ReferenceEquals(current, upstream))
            {
                manager.CatalogueChanged?.Invoke(upstream, parts);
            }
        }

        public void OnHealthChanged(Upstream upstream, UpstreamState previous, ServerHealth current)
        {
            LogHealthChanged(manager._logger, upstream.Id, current.State, previous, current.ErrorMessage is null ? string.Empty : ": " + current.ErrorMessage);
            manager.ServerHealthChanged?.Invoke(manager, new ServerHealthChangedEventArgs(previous, current));
        }

        public ValueTask OnNotificationAsync(Upstream upstream, JsonRpcNotification notification, CancellationToken cancellationToken) =>
            manager._bridge.OnServerNotificationAsync(upstream, notification, cancellationToken);

        public ValueTask<CreateMessageResult> OnSamplingAsync(Upstream upstream, CreateMessageRequestParams? request, CancellationToken cancellationToken) =>
            manager._bridge.SampleAsync(upstream, request, cancellationToken);

        public ValueTask<ElicitResult> OnElicitationAsync(Upstream upstream, ElicitRequestParams? request, CancellationToken cancellationToken) =>
            manager._bridge.ElicitAsync(upstream, request, cancellationToken);

        public ValueTask<ListRootsResult> OnRootsAsync(Upstream upstream, ListRootsRequestParams? request, CancellationToken cancellationToken) =>
            manager._bridge.ListRootsAsync(upstream, request, cancellationToken);
    }
}
