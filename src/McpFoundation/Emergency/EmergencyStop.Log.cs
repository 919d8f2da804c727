using Microsoft.Extensions.Logging;

namespace McpFoundation.Emergency;

internal sealed partial class EmergencyStop
{
    [LoggerMessage(EventId = 3200, EventName = "EmergencyActivated", Level = LogLevel.Critical,
        Message = "EMERGENCY STOP by {Initiator} through {Channel}: {Reason}. {Cancelled} operations in flight cancelled, {Killed} stdio servers killed; every call is refused until resumed")]
    private static partial void LogActivated(ILogger logger, string initiator, string channel, string reason, int cancelled, int killed);

    [LoggerMessage(EventId = 3201, EventName = "EmergencyResumed", Level = LogLevel.Warning,
        Message = "Emergency stop ended by {Initiator} through {Channel}: {Reason}; calls pass again")]
    private static partial void LogResumed(ILogger logger, string initiator, string channel, string reason);

    [LoggerMessage(EventId = 3202, EventName = "EmergencyStateNotSaved", Level = LogLevel.Error,
        Message = "The emergency {Transition} is in force in this gateway but could not be saved in the state store: other gateways on the data directory and a restart do not see it")]
    private static partial void LogNotSaved(ILogger logger, string transition, Exception exception);
}
