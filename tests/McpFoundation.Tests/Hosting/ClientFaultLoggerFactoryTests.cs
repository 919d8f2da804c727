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

        Write(factory.CreateLogger(SdkCategory), LogLevel.Error, new McpProtocolException("Unknown tool: 'x'", (McpErrorCode)code));

        Assert.Equal(LogLevel.Debug, Assert.Single(capture.Entries).Level);
    }

    [Fact]
    public void Log_SdkCategoryInternalError_StaysError()
    {
        (ILoggerFactory factory, Capture capture) = Create();

        Write(factory.CreateLogger(SdkCategory), LogLevel.Error, new McpProtocolException("broken", McpErrorCode.InternalError));
        Write(factory.CreateLogger(SdkCategory), LogLevel.Error, new InvalidOperationException("a real fault"));
        Write(factory.CreateLogger(SdkCategory), LogLevel.Critical, new McpException("transport"));

        Assert.Equal([LogLevel.Error, LogLevel.Error, LogLevel.Critical], capture.Entries.Select(e => e.Level));
    }

    [Fact]
    public void Log_OtherCategoryProtocolError_Unchanged()
    {
        (ILoggerFactory factory, Capture capture) = Create();

        Write(factory.CreateLogger("McpFoundation.Front"), LogLevel.Error, new McpProtocolException("x", McpErrorCode.InvalidParams));

        Assert.Equal(LogLevel.Error, Assert.Single(capture.Entries).Level);
    }

    [Fact]
    public void Log_ClientFaultBelowMinimumLevel_NotWritten()
    {
        (ILoggerFactory factory, Capture capture) = Create(LogLevel.Information);

        Write(factory.CreateLogger(SdkCategory), LogLevel.Error, new McpProtocolException("Unknown tool", McpErrorCode.InvalidParams));

        Assert.Empty(capture.Entries);
    }

    private static void Write(ILogger logger, LogLevel level, Exception exception) =>
        logger.Log(level, new EventId(1, "RequestHandlerFailed"), "request handler failed", exception, static (state, _) => state);

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
