using McpFoundation.Pipeline;

namespace McpFoundation.Emergency;

/// <summary>
/// The pipeline's first filter: while the gateway is under an emergency stop, refuses every operation with
/// <see cref="GatewayErrorCodes.EmergencyStopped"/> and a message that says by whom, why and how to resume. Otherwise
/// one volatile read and a completed <see cref="ValueTask{TResult}"/>: nothing measurable.
/// </summary>
internal sealed class EmergencyStopFilter(EmergencyStop stop) : INonBlockingFilter
{
    public const string FilterName = "emergency-stop";

    private const string Hint = "An operator resumes the gateway with `mcpf resume --reason \"...\"`, POST /admin/emergency/resume, or McpSecurityIntegration.ResumeAsync.";

    public string Name => FilterName;

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
        stop.RefusalMessage is { } refusal
            ? new(SecurityDecision.Deny(GatewayErrorCodes.EmergencyStopped, refusal, FilterName, rule: "emergency", hint: Hint))
            : new(SecurityDecision.Allow);
}
