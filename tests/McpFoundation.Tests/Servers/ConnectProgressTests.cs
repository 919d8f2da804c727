using McpFoundation.Servers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.Tests.Servers;

/// <summary>The "waiting for … to initialize" lines while a server is being connected.</summary>
[Trait("Category", "Unit")]
public sealed class ConnectProgressTests
{
    [Fact]
    public void Start_TimePasses_LogsEveryTenSecondsUntilDisposed()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        var progress = ConnectProgress.Start("filesystem", TimeSpan.FromSeconds(60), logger, time);

        // Act
        time.Advance(TimeSpan.FromSeconds(9));
        int beforeFirst = logger.Entries.Count;
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(10));
        progress.Dispose();
        time.Advance(TimeSpan.FromSeconds(30));

        // Assert
        Assert.Equal(0, beforeFirst);
        Assert.Equal(
            [
                (LogLevel.Information, "ServerStillConnecting", "Waiting for filesystem to initialize… 10 s (it fails after 60 s: connect_timeout)"),
                (LogLevel.Information, "ServerStillConnecting", "Waiting for filesystem to initialize… 20 s (it fails after 60 s: connect_timeout)"),
            ],
            logger.Entries);
    }

    [Fact]
    public void Start_ReachesTheTimeout_StopsLoggingThere()
    {
        // Arrange: the attempt fails at 25 s; the failure, not a progress line, says what happened then.
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        using var progress = ConnectProgress.Start("slow", TimeSpan.FromSeconds(25), logger, time);

        // Act
        time.Advance(TimeSpan.FromSeconds(60));

        // Assert
        Assert.Equal(["Waiting for slow to initialize… 10 s (it fails after 25 s: connect_timeout)", "Waiting for slow to initialize… 20 s (it fails after 25 s: connect_timeout)"], logger.Entries.Select(e => e.Message));
    }

    [Fact]
    public void Start_TimeoutShorterThanTheInterval_LogsNothing()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        using var progress = ConnectProgress.Start("quick", TimeSpan.FromSeconds(2), logger, time);

        // Act
        time.Advance(TimeSpan.FromSeconds(30));

        // Assert
        Assert.Empty(logger.Entries);
    }

    private sealed class RecordingLogger : ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<(LogLevel Level, string? EventName, string Message)> _entries = [];

        public List<(LogLevel Level, string? EventName, string Message)> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _entries.Add((logLevel, eventId.Name, formatter(state, exception)));
            }
        }
    }
}
