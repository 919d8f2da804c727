using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace McpFoundation.Hosting;

/// <summary>
/// The host's logger factory, with one change for the MCP SDK's categories (<c>ModelContextProtocol.*</c>): the SDK
/// logs every <see cref="McpProtocolException"/> a request handler throws at Error, and those are the gateway
/// refusing a client's request (an unknown tool, invalid params, a denied call), so a client could fill the log with
/// Error lines. Such an entry is logged at Debug instead; a protocol exception with -32603 (internal error) and any
/// other exception (a real fault of the gateway) still log at their own level.
/// </summary>
internal sealed class ClientFaultLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>The level a client-caused protocol error is logged at.</summary>
    public const LogLevel ClientFaultLevel = LogLevel.Debug;

    private const string SdkCategoryPrefix = "ModelContextProtocol";

    public ILogger CreateLogger(string categoryName)
    {
        ILogger logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith(SdkCategoryPrefix, StringComparison.Ordinal) ? new SdkLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Whether an exception is a refusal of the client's request rather than a fault of the gateway.</summary>
    internal static bool IsClientFault(Exception? exception) =>
        exception is McpProtocolException protocol && protocol.ErrorCode != McpErrorCode.InternalError;

    private sealed class SdkLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel > ClientFaultLevel && logLevel != LogLevel.None && IsClientFault(exception))
            {
                logLevel = ClientFaultLevel;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
