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
    private readonly Lock _lock = new();
    private Task<ServerHealth>? _running;

    public ServerHealthMonitor(ServerConnection connection, ServerHealthTracker health, bool enabled, TimeSpan pingTimeout)
    {
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
