using Microsoft.Extensions.Logging;

namespace McpFoundation.Servers;

/// <summary>
/// Says that a connect attempt is still going: one Information line every <see cref="Interval"/> ("waiting for
/// filesystem to initialize… 10 s") from the start of the attempt until it is disposed, so a server that takes long
/// to start (an <c>npx</c> first run downloading its package) or never answers does not look like a hung gateway.
/// Driven by the <see cref="TimeProvider"/>'s timer, so a test can advance it.
/// </summary>
internal sealed partial class ConnectProgress : IDisposable
{
    /// <summary>How often the line is written while the attempt lasts.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly string _serverId;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _ticks;
    private int _disposed;

    private ConnectProgress(string serverId, TimeSpan timeout, ILogger logger, TimeProvider timeProvider)
    {
        _serverId = serverId;
        _timeout = timeout;
        _logger = logger;
        _timer = timeProvider.CreateTimer(static state => ((ConnectProgress)state!).Tick(), this, Interval, Interval);
    }

    /// <summary>Starts reporting the attempt to connect <paramref name="serverId"/>.</summary>
    /// <param name="serverId">The server being connected.</param>
    /// <param name="timeout">The attempt's bound (its <c>connect_timeout</c>), shown with each line.</param>
    /// <param name="logger">The server's logger.</param>
    /// <param name="timeProvider">Whose timer paces the lines.</param>
    /// <returns>The reporter; dispose it when the attempt ends, however it ends.</returns>
    public static ConnectProgress Start(string serverId, TimeSpan timeout, ILogger logger, TimeProvider timeProvider) =>
        new(serverId, timeout, logger, timeProvider);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer.Dispose();
        }
    }

    private void Tick()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        int ticks = Interlocked.Increment(ref _ticks);
        TimeSpan waited = Interval * ticks;
        if (waited >= _timeout)
        {
            return; // the attempt is failing now; the failure says so.
        }

        LogStillConnecting(_logger, _serverId, waited.TotalSeconds, _timeout.TotalSeconds);
    }

    [LoggerMessage(EventId = 1207, EventName = "ServerStillConnecting", Level = LogLevel.Information,
        Message = "Waiting for {ServerId} to initialize… {WaitedSeconds:0} s (it fails after {ConnectTimeoutSeconds:0.###} s: connect_timeout)")]
    private static partial void LogStillConnecting(ILogger logger, string serverId, double waitedSeconds, double connectTimeoutSeconds);
}
