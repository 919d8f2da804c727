using System.Diagnostics;
using ModelContextProtocol.Client;

namespace McpFoundation.Servers;

/// <summary>
/// Checks one server: pings it while its connection is open, reconnects it when the connection is gone. One check at a
/// time: asking while a check runs joins that check instead of starting a second one. A check runs on the thread pool
/// and is bounded by its own timeout (the ping by the server's call timeout, a reconnect by its connect timeout), never
/// by whoever asked: a caller that gives up stops waiting, and the check still ends with a health state.
/// </summary>
internal sealed class ServerHealthMonitor
{
    private readonly ServerConnection _connection;
    private readonly ServerHealthTracker _health;
    private readonly bool _enabled;
    private readonly TimeSpan _pingTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private Task<ServerHealth>? _running;

    /// <summary>The first wait between two attempts of <see cref="RestartAsync"/>; doubled after each, up to <see cref="MaxRestartDelay"/>.</summary>
    internal static readonly TimeSpan FirstRestartDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two attempts of <see cref="RestartAsync"/>.</summary>
    internal static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(4);

    /// <summary>How long <see cref="RestartAsync"/> goes on starting attempts; then the regular health checks take over.</summary>
    internal static readonly TimeSpan RestartBound = TimeSpan.FromSeconds(30);

    public ServerHealthMonitor(ServerConnection connection, ServerHealthTracker health, bool enabled, TimeSpan pingTimeout, TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _connection = connection;
        _health = health;
        _enabled = enabled;
        _pingTimeout = pingTimeout;
    }

    /// <summary>Gets a value indicating whether a check is running now.</summary>
    public bool IsChecking => Volatile.Read(ref _running) is { IsCompleted: false };

    /// <summary>Checks the server, or joins the check that is running; a disabled or stopped server is not checked.</summary>
    /// <param name="cancellationToken">Stops this caller's wait, not the check.</param>
    /// <returns>The health when the check ended.</returns>
    public Task<ServerHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        if (!_enabled || _connection.IsStopped)
        {
            return Task.FromResult(_health.Current);
        }

        Task<ServerHealth> check;
        lock (_lock)
        {
            if (_running is not { IsCompleted: false } running)
            {
                // On the pool: starting a process or writing a ping must not run on the caller's thread (the health
                // loop starts every server's check from one thread).
                _running = running = Task.Run(RunAsync, CancellationToken.None);
            }

            check = running;
        }

        return check.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the server again on a fresh connection (a new process for stdio) after the gateway killed it (the
    /// emergency stop's <c>kill_servers</c>): the old connection is closed whether or not its end has been noticed yet
    /// (a ping on it, or a reconnect that waits to see it closed, races with the killed process's pipes closing), and
    /// a failed attempt is retried after <see cref="FirstRestartDelay"/>, doubling up to <see cref="MaxRestartDelay"/>,
    /// until the server is connected or <see cref="RestartBound"/> has passed. Runs as this monitor's one check (after
    /// the one running, if any); a check asked for meanwhile joins it.
    /// </summary>
    /// <param name="cancellationToken">Stops this caller's wait, not the restart.</param>
    /// <returns>The health when the restart ended.</returns>
    public Task<ServerHealth> RestartAsync(CancellationToken cancellationToken = default)
    {
        if (!_enabled || _connection.IsStopped)
        {
            return Task.FromResult(_health.Current);
        }

        Task<ServerHealth> restart;
        lock (_lock)
        {
            Task<ServerHealth>? previous = _running;
            _running = restart = Task.Run(() => RestartAfterAsync(previous), CancellationToken.None);
        }

        return restart.WaitAsync(cancellationToken);
    }

    private async Task<ServerHealth> RestartAfterAsync(Task<ServerHealth>? previous)
    {
        if (previous is not null)
        {
            await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        CancellationToken stopping = _connection.Stopping;
        long started = _timeProvider.GetTimestamp();
        TimeSpan delay = FirstRestartDelay;
        try
        {
            while (true)
            {
                await _connection.ConnectAsync(stopping); // replaces the old connection: no need to see it closed
                if (_health.Current.State == ServerState.Connected || _timeProvider.GetElapsedTime(started) + delay > RestartBound)
                {
                    break;
                }

                await Task.Delay(delay, _timeProvider, stopping);
                delay = delay * 2 < MaxRestartDelay ? delay * 2 : MaxRestartDelay;
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // The server was stopped during the restart: its health says so.
        }

        return _health.Current;
    }

    private async Task<ServerHealth> RunAsync()
    {
        CancellationToken stopping = _connection.Stopping;
        try
        {
            if (_connection.Client is not { } client || client.Completion.IsCompleted)
            {
                // Never connected, or the connection is gone (the process exited, the remote closed): a ping on it
                // cannot succeed, so reconnect instead.
                await _connection.ReconnectIfClosedAsync(stopping);
            }
            else
            {
                await PingAsync(client, stopping);
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // The server was stopped during the check: its health says so.
        }

        return _health.Current;
    }

    private async Task PingAsync(McpClient client, CancellationToken stopping)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_pingTimeout);
            await client.PingAsync(cancellationToken: timeout.Token);
            _health.Report(ServerState.Connected, null, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            _health.Report(ServerState.Failed, "Ping failed: " + ex.Message);
        }
    }
}
