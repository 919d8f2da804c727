using System.Text.Json.Serialization;

namespace McpFoundation.Emergency;

/// <summary>
/// The emergency stop's state: whether the gateway is stopped, who stopped it, why, when and through which channel,
/// and, once resumed, who resumed it and why. Kept in the state store under <c>emergency/state</c> (JSON), so that every
/// gateway on the same data directory shares it and a gateway started while stopped comes up stopped.
/// </summary>
public sealed record EmergencyState
{
    /// <summary>Gets the state of a gateway that was never stopped.</summary>
    public static EmergencyState Inactive { get; } = new();

    /// <summary>Gets a value indicating whether the gateway is stopped.</summary>
    [JsonPropertyName("active")]
    public bool IsActive { get; init; }

    /// <summary>Gets why it was stopped.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets who stopped it (an operator's name, a user id, <c>signal</c>, <c>stop-file</c>...).</summary>
    public string? Initiator { get; init; }

    /// <summary>Gets the channel the stop came through (see <see cref="EmergencyChannels"/>).</summary>
    public string? Channel { get; init; }

    /// <summary>Gets when it was stopped.</summary>
    public DateTimeOffset? ActivatedAt { get; init; }

    /// <summary>Gets who resumed it last, if it was resumed.</summary>
    public string? ResumedBy { get; init; }

    /// <summary>Gets why it was resumed.</summary>
    public string? ResumeReason { get; init; }

    /// <summary>Gets the channel the resume came through.</summary>
    public string? ResumeChannel { get; init; }

    /// <summary>Gets when it was resumed.</summary>
    public DateTimeOffset? ResumedAt { get; init; }
}

/// <summary>The names of the emergency stop's channels, as recorded in <see cref="EmergencyState.Channel"/> and the audit trail.</summary>
public static class EmergencyChannels
{
    /// <summary><c>McpSecurityIntegration.TriggerEmergencyStopAsync</c> / <c>ResumeAsync</c>.</summary>
    public const string Library = "library";

    /// <summary><c>POST /admin/emergency/stop</c> and <c>/resume</c>.</summary>
    public const string AdminApi = "admin-api";

    /// <summary><c>mcpf stop</c> / <c>mcpf resume</c> from another terminal, through the state store.</summary>
    public const string Cli = "cli";

    /// <summary>SIGUSR1 to the gateway's process.</summary>
    public const string Signal = "signal";

    /// <summary>The sentinel file (<c>emergency.stop_file</c>).</summary>
    public const string StopFile = "stop-file";

    /// <summary>The state store at start or read back: another gateway or a restart.</summary>
    public const string StateStore = "state-store";
}

/// <summary>The source-generated JSON of <see cref="EmergencyState"/> (the state store's <c>emergency/state</c> value).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EmergencyState))]
internal sealed partial class EmergencyJsonContext : JsonSerializerContext;
