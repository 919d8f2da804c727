using System.Globalization;
using McpFoundation.Pipeline;
using McpFoundation.Security.Approval;
using McpFoundation.Security.Arguments;
using McpFoundation.Security.Limits;
using McpFoundation.Security.Policy;

namespace McpFoundation.Security.Adaptive;

/// <summary>
/// The pipeline step of the adaptive response: refuses the calls of a quarantined user or session, and every call to
/// a server on <c>stop_server</c>, with <see cref="GatewayErrorCodes.Quarantined"/> (why, until when, how to release);
/// holds a throttled caller to <c>adaptive.throttle_calls_per_minute</c>; asks for approval of risky tools on the ask
/// step; and tells the <see cref="AdaptiveResponse"/> about every call (spike check) and every denial by the checks
/// after it (its completion). Per call: a reference check of the settings, one dictionary lookup per subject.
/// </summary>
internal sealed class AdaptiveFilter(AdaptiveResponse adaptive, IApprovalBroker approvals) : INonBlockingFilter
{
    /// <summary>The filter's name (<c>data.filter</c> of its refusals).</summary>
    public const string FilterName = "adaptive";

    /// <summary>The <c>data</c> field naming the escalated subject (<c>user:ID</c>, <c>session:ID</c>, <c>server:ID</c>).</summary>
    public const string SubjectField = "subject";

    /// <summary>The <c>data</c> field with the end of the quarantine (ISO 8601, UTC).</summary>
    public const string UntilField = "until";

    public string Name => FilterName;

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!LimitsFilter.IsLimited(context.Category))
        {
            return ValueTask.FromResult(SecurityDecision.Allow);
        }

        AdaptiveSettings settings = adaptive.Settings;
        if (!settings.Enabled)
        {
            return ValueTask.FromResult(SecurityDecision.Allow);
        }

        DateTimeOffset now = adaptive.Now;
        if (context.ServerId is { } serverId && adaptive.Find(Subjects.Server(serverId)) is { CurrentLevel: EscalationLevel.StopServer } server)
        {
            return ValueTask.FromResult(Quarantined(server, $"Server '{serverId}' is stopped by the adaptive response"));
        }

        ThreatState? caller = null;
        if (context.UserId is { } userId)
        {
            caller = adaptive.Get(Subjects.User(userId));
            adaptive.RecordCall(caller, settings, now);
        }
        else if (context.Session?.Id is { } sessionId)
        {
            caller = adaptive.Find(Subjects.Session(sessionId));
        }

        switch (caller?.CurrentLevel)
        {
            case EscalationLevel.Quarantine:
                return ValueTask.FromResult(Quarantined(caller, caller.Subject.StartsWith("user:", StringComparison.Ordinal)
                    ? $"User '{context.UserId}' is quarantined by the adaptive response"
                    : "This session is quarantined by the adaptive response"));

            case EscalationLevel.Throttle when caller.Throttle is { } throttle && !throttle.TryTake(out TimeSpan retryAfter):
                int seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                return ValueTask.FromResult(SecurityDecision.Deny(
                    GatewayErrorCodes.RateLimited,
                    $"{caller.Subject} is throttled by the adaptive response to {throttle.CallsPerMinute} calls per minute (adaptive.throttle_calls_per_minute) after: {caller.Reason}. Retry in {seconds} s.",
                    FilterName,
                    "adaptive.throttle_calls_per_minute",
                    $"Wait {seconds} s; the throttle ends by {caller.Until:O} if the denials stop, or an operator runs mcpf release {caller.Subject}.") with
                {
                    Data = new Dictionary<string, object>(StringComparer.Ordinal) { [GatewayErrors.RetryAfterSecondsField] = seconds, [SubjectField] = caller.Subject },
                });

            case EscalationLevel.Ask when context.Category == OperationCategory.ToolExecution && IsRisky(context):
                return approvals.DecideAsync(
                    context,
                    new PolicyDecision { Effect = PolicyEffect.Ask, RuleIds = ["adaptive.ask_at"], CorrelationId = context.CorrelationId, Hint = $"{caller.Subject} is on the adaptive response's ask step after: {caller.Reason}" },
                    cancellationToken);

            default:
                return ValueTask.FromResult(SecurityDecision.Allow);
        }
    }

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (outcome.DeniedBy is { } deniedBy && outcome.ErrorCode is { } code && !outcome.InputRequired)
        {
            adaptive.RecordDenial(context.UserId, context.Session?.Id, context.ServerId, code, deniedBy, outcome.ErrorMessage);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Whether the tool writes, deletes or executes (its profile's operation, or its annotations and name).</summary>
    private static bool IsRisky(OperationContext context)
    {
        string name = context.DownstreamName ?? context.TargetName ?? string.Empty;
        string? configured = context.Target?.Profile?.Tools.GetValueOrDefault(name)?.Operation;
        (string operation, _) = OperationClassifier.Classify(name, context.Target?.Tool, configured, hasUrlArguments: false);
        return operation is OperationClassifier.Write or OperationClassifier.Delete or OperationClassifier.Execute;
    }

    private static SecurityDecision Quarantined(ThreatState state, string what)
    {
        string until = state.Until.ToString("O", CultureInfo.InvariantCulture);
        return SecurityDecision.Deny(
            GatewayErrorCodes.Quarantined,
            $"{what} until {until} after: {state.Reason}. An operator can end it with `mcpf release {state.Subject}` (or McpSecurityIntegration.ReleaseEscalationAsync).",
            FilterName,
            state.CurrentLevel == EscalationLevel.StopServer ? "adaptive.stop_server_at" : "adaptive.quarantine_at",
            $"Stop the calls that were refused; the step ends at {until} as the threat score decays, or when an operator runs mcpf release {state.Subject}.") with
        {
            Data = new Dictionary<string, object>(StringComparer.Ordinal) { [SubjectField] = state.Subject, [UntilField] = until },
        };
    }
}
