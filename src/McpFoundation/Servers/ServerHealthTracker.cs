namespace McpFoundation.Servers;

/// <summary>
/// The health of one server: its latest <see cref="ServerHealth"/>, and each change reported once, in the order the
/// changes happened. The report is made under a lock, so it must not block: the server manager queues it for the
/// event worker (<see cref="Telemetry.GatewayEvents"/>) and returns.
/// </summary>
internal sealed class ServerHealthTracker
{
    private readonly Lock _lock = new();
    private readonly string _serverId;
    private readonly TimeProvider _timeProvider;
    private readonly Action<ServerState, ServerHealth> _changed;
    private ServerHealth _current;

    /// <param name="serverId">The server's id.</param>
    /// <param name="enabled">Whether the server is enabled (it starts as connecting) or disabled.</param>
    /// <param name="timeProvider">Stamps each observation.</param>
    /// <param name="changed">Told the previous state and the new health when the state or the error changes; must not block.</param>
    public ServerHealthTracker(string serverId, bool enabled, TimeProvider timeProvider, Action<ServerState, ServerHealth> changed)
    {
        _serverId = serverId;
        _timeProvider = timeProvider;
        _changed = changed;
        _current = new ServerHealth(serverId, enabled ? ServerState.Connecting : ServerState.Disabled, null, timeProvider.GetUtcNow(), null);
    }

    public ServerHealth Current => Volatile.Read(ref _current);

    /// <summary>Records what was just observed; a connected server without a new latency keeps its last one.</summary>
    public void Report(ServerState state, string? error = null, TimeSpan? latency = null)
    {
        lock (_lock)
        {
            ServerHealth previous = _current;
            var current = new ServerHealth(_serverId, state, error, _timeProvider.GetUtcNow(), latency ?? (state == ServerState.Connected ? previous.Latency : null));
            Volatile.Write(ref _current, current);
            if (previous.State != state || previous.ErrorMessage != error)
            {
                _changed(previous.State, current);
            }
        }
    }
}
