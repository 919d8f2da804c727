using System.Collections.Concurrent;
using McpFoundation.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace McpFoundation.Tests.Hosting;

/// <summary>
/// The SDK logs every protocol error a handler throws at Error; the gateway's logger factory lowers the ones a client
/// caused to Debug, and leaves real faults (and every other category) at their level.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClientFaultLoggerFactoryTests
{
    private const string SdkCategory = "ModelContextProtocol.Server.McpServer";

    public static TheoryData<int> ClientCodes => new() { -32700, -32600, -32601, -32602, -32002, -31065 };

    [Theory]
    [MemberData(nameof(ClientCodes))]
    public void Log_SdkCategoryClientProtocolError_LoggedAtDebug(int code)
    {
        (ILoggerFactory factory, Capture capture) = Create();

        factory.CreateLogger(SdkCategory).LogError(new McpProtocolException("Unknown tool: 'x'", (McpErrorCode)code), "request handler failed");

        Assert.Equal(LogLevel.Debug, Assert.Single(capture.Entries).Level);
    }

    [Fact]
    public void Log_SdkCategoryInternalError_StaysError()
    {
        (ILoggerFactory factory, Capture capture) = Create();

        factory.CreateLogger(SdkCategory).LogError(new McpProtocolException("broken", McpErrorCode.InternalError), "request handler failed");
        factory.CreateLogger(SdkCategory).LogError(new InvalidOperationException("a real fault"), "request handler failed");
        factory.CreateLogger(SdkCategory).LogCritical(new McpException("transport"), "failed");

        Assert.Equal([LogLevel.Error, LogLevel.Error, LogLevel.Critical], capture.Entries.Select(e => e.Level));
    }

    [Fact]
    public void Log_OtherCategoryProtocolError_Unchanged()
    {
        (ILoggerFactory factory, Capture capture) = Create();

        factory.CreateLogger("McpFoundation.Front").LogError(new McpProtocolException("x", McpErrorCode.InvalidParams), "mine");

        Assert.Equal(LogLevel.Error, Assert.Single(capture.Entries).Level);
    }

    [Fact]
    public void Log_ClientFaultBelowMinimumLevel_NotWritten()
    {
        (ILoggerFactory factory, Capture capture) = Create(LogLevel.Information);

        factory.CreateLogger(SdkCategory).LogError(new McpProtocolException("Unknown tool", McpErrorCode.InvalidParams), "request handler failed");

        Assert.Empty(capture.Entries);
    }

    private static (ILoggerFactory Factory, Capture Capture) Create(LogLevel minimum = LogLevel.Trace)
    {
        var capture = new Capture();
        var inner = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(capture));
        return (new ClientFaultLoggerFactory(inner), capture);
    }

    private sealed class Capture : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel));
        }
    }
}
