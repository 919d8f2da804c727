using Microsoft.Extensions.Logging;

namespace McpFoundation.Audit;

/// <summary>
/// Logs each security event on the <c>McpFoundation.Security</c> category, as a warning. The sink used until the audit
/// trail is configured to take the events; the audit feature's sink writes them to the trail as well.
/// </summary>
internal sealed partial class LoggingSecurityEventSink(ILoggerFactory loggerFactory) : ISecurityEventSink
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("McpFoundation.Security");

    public void Post(SecurityEventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        LogSecurityEvent(_logger, record.Kind, record.Message, record.Initiator, record.Channel, record.CorrelationId);
    }

    [LoggerMessage(EventId = 2990, EventName = "SecurityEvent", Level = LogLevel.Warning, Message = "Security event {Kind}: {Text} (initiator {Initiator}, channel {Channel}, correlation {CorrelationId})")]
    private static partial void LogSecurityEvent(ILogger logger, string kind, string text, string? initiator, string? channel, string? correlationId);
}
