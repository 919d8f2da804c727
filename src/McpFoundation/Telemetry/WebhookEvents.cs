using System.Globalization;
using System.Text.Json.Nodes;
using McpFoundation.Emergency;
using McpFoundation.Security.Adaptive;
using McpFoundation.Security.Policy;
using McpFoundation.Servers;
using McpFoundation.Tools;

namespace McpFoundation.Telemetry;

/// <summary>
/// Subscribes the webhook to the gateway's public events, each mapped to the JSON docs/events.md documents. The events
/// are raised on the gateway's event worker, so posting (a queue write) never touches a request thread. A new event is
/// one more line in <see cref="Attach"/>.
/// </summary>
internal static class WebhookEvents
{
    public static void Attach(McpSecurityIntegration gateway, WebhookEventSink sink)
    {
        gateway.ToolExecuted += (_, e) => sink.Post("tool_executed", ToolExecuted(e));
        gateway.ServerHealthChanged += (_, e) => sink.Post("server_health_changed", ServerHealthChanged(e));
        gateway.SecurityViolation += (_, e) => sink.Post("security_violation", SecurityViolation(e));
        gateway.EmergencyActivated += (_, e) => sink.Post("emergency_activated", EmergencyActivated(e));
        gateway.EmergencyResumed += (_, e) => sink.Post("emergency_resumed", EmergencyResumed(e));
        gateway.EscalationChanged += (_, e) => sink.Post("escalation_changed", EscalationChanged(e));
    }

    internal static JsonObject EmergencyActivated(EmergencyActivatedEventArgs e) => new()
    {
        ["reason"] = e.State.Reason,
        ["initiator"] = e.State.Initiator,
        ["channel"] = e.State.Channel,
        ["activated_at"] = e.State.ActivatedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["cancelled_operations"] = e.CancelledOperations,
        ["killed_servers"] = e.KilledServers,
    };

    internal static JsonObject EmergencyResumed(EmergencyResumedEventArgs e) => new()
    {
        ["resumed_by"] = e.State.ResumedBy,
        ["reason"] = e.State.ResumeReason,
        ["channel"] = e.State.ResumeChannel,
        ["resumed_at"] = e.State.ResumedAt?.ToString("O", CultureInfo.InvariantCulture),
    };

    internal static JsonObject EscalationChanged(EscalationChangedEventArgs e) => new()
    {
        ["subject"] = e.Escalation.Subject,
        ["level"] = e.Escalation.Level.ToString(),
        ["previous"] = e.Previous.ToString(),
        ["kind"] = e.Kind,
        ["score"] = Math.Round(e.Escalation.Score, 2),
        ["reason"] = e.Escalation.Reason,
        ["until"] = e.Escalation.Until.ToString("O", CultureInfo.InvariantCulture),
        ["initiator"] = e.Initiator,
    };

    internal static JsonObject ToolExecuted(ToolExecutedEventArgs e) => new()
    {
        ["tool"] = e.ToolName,
        ["server"] = e.ServerId,
        ["user"] = e.UserId,
        ["succeeded"] = e.Succeeded,
        ["error_code"] = e.ErrorCode,
        ["duration_ms"] = Math.Round(e.Duration.TotalMilliseconds, 3),
        ["correlation_id"] = e.CorrelationId,
    };

    internal static JsonObject ServerHealthChanged(ServerHealthChangedEventArgs e) => new()
    {
        ["server"] = e.Current.ServerId,
        ["previous"] = GatewayMetrics.StateName(e.Previous),
        ["state"] = GatewayMetrics.StateName(e.Current.State),
        ["error"] = e.Current.ErrorMessage,
        ["checked_at"] = e.Current.CheckedAt.ToString("O", CultureInfo.InvariantCulture),
    };

    internal static JsonObject SecurityViolation(SecurityViolationEventArgs e) => new()
    {
        ["category"] = e.Category.ToString(),
        ["target"] = e.Target,
        ["server"] = e.ServerId,
        ["user"] = e.UserId,
        ["rule"] = e.Rule,
        ["error_code"] = e.ErrorCode,
        ["reason"] = e.Reason,
        ["shadow"] = e.IsShadow,
        ["correlation_id"] = e.CorrelationId,
    };
}
