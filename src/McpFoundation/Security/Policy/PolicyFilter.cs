using McpFoundation.Pipeline;
using McpFoundation.Security.Approval;
using McpFoundation.Security.Arguments;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The pipeline's policy step, installed by <c>AddMcpFoundation</c> after the adaptive response and the limits, and active while the configuration has a
/// <c>policy</c> or a <c>security_profile</c> (<see cref="PolicyService.IsEnforced"/>): asks <see cref="PolicyService"/>, refuses a deny with the rule and
/// a hint, hands an ask to the <see cref="IApprovalBroker"/>, and in shadow mode logs what it would have refused and lets
/// it pass. Every denial (and every shadow would-be denial) is raised as a <c>SecurityViolation</c> event. Categories
/// the policy has nothing to say about pass at once. Its completion does nothing, so it never blocks.
/// </summary>
internal sealed partial class PolicyFilter(PolicyService policy, IApprovalBroker approvals, SecurityViolations violations, ILogger<PolicyFilter> logger, Telemetry.GatewayMetrics? metrics = null) : INonBlockingFilter
{
    /// <summary>The filter's name (<c>data.filter</c> of its refusals).</summary>
    public const string FilterName = "policy";

    public string Name => FilterName;

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return policy.IsEnforced && policy.Current.Governs(context.Category) ? DecideAsync(context, cancellationToken) : ValueTask.FromResult(SecurityDecision.Allow);
    }

    private async ValueTask<SecurityDecision> DecideAsync(OperationContext context, CancellationToken cancellationToken)
    {
        var decision = await policy.ValidateOperationAsync(context.Category, context, cancellationToken);
        var rule = decision.RuleIds.Count > 0 ? decision.RuleIds[0] : PolicyService.DefaultRule;
        var reason = decision.ValidationErrors.Count > 0 ? decision.ValidationErrors[0] : "The policy denies this operation.";
        metrics?.RecordPolicyDecision(EffectName(decision), rule);
        if ((decision.Effect != PolicyEffect.Deny || decision.IsShadow) && context.Arguments is { } sent)
        {
            // A path checked against allowed roots goes on in the canonical form the decision was about (the real
            // path, symlinks resolved), so the server opens exactly that file; an approval is asked for that form too.
            if (decision.CheckedArguments.Any(static a => a.ReplaceWithCanonical))
            {
                context.ReplaceArguments(new ArgumentReport(decision.CheckedArguments, [], null).WithCanonicalArguments(sent), FilterName);
            }
        }

        switch (decision.Effect)
        {
            case PolicyEffect.Allow:
                return SecurityDecision.Allow;

            case PolicyEffect.Deny when decision.IsShadow:
                LogShadowDenied(logger, context.Method, context.TargetName, rule, context.UserId, context.CorrelationId);
                violations.Post(context, decision, decision.ErrorCode, reason, isShadow: true);
                return SecurityDecision.Allow;

            case PolicyEffect.Deny:
                LogDenied(logger, context.Method, context.TargetName, rule, context.UserId, context.CorrelationId);
                violations.Post(context, decision, decision.ErrorCode, reason, isShadow: false);
                return SecurityDecision.Deny(decision.ErrorCode, reason, FilterName, rule, decision.Hint, decision.Argument);

            case PolicyEffect.Ask when decision.IsShadow:
                LogShadowAsked(logger, context.Method, context.TargetName, rule, context.UserId, context.CorrelationId);
                violations.Post(context, decision, GatewayErrorCodes.ApprovalUnavailable, reason, isShadow: true);
                return SecurityDecision.Allow;

            default:
                var answer = await approvals.DecideAsync(context, decision, cancellationToken);
                if (!answer.IsAllowed)
                {
                    violations.Post(context, decision, answer.Code, answer.Reason ?? reason, isShadow: false);
                }

                return answer;
        }
    }

    private static string EffectName(PolicyDecision decision) => (decision.Effect, decision.IsShadow) switch
    {
        (PolicyEffect.Allow, _) => "allow",
        (PolicyEffect.Deny, false) => "deny",
        (PolicyEffect.Deny, true) => "shadow_deny",
        (_, false) => "ask",
        _ => "shadow_ask",
    };

    [LoggerMessage(EventId = 2101, EventName = "PolicyDenied", Level = LogLevel.Information, Message = "Policy denied {Method} {Target} for {UserId} (rule {Rule}) [{CorrelationId}]")]
    private static partial void LogDenied(ILogger logger, string method, string? target, string rule, string? userId, string correlationId);

    [LoggerMessage(EventId = 2102, EventName = "PolicyShadowDenied", Level = LogLevel.Warning, Message = "Shadow policy: would have denied {Method} {Target} for {UserId} (rule {Rule}); allowed because policy.mode is shadow [{CorrelationId}]")]
    private static partial void LogShadowDenied(ILogger logger, string method, string? target, string rule, string? userId, string correlationId);

    [LoggerMessage(EventId = 2103, EventName = "PolicyShadowAsked", Level = LogLevel.Warning, Message = "Shadow policy: would have asked for approval of {Method} {Target} for {UserId} (rule {Rule}); allowed because policy.mode is shadow [{CorrelationId}]")]
    private static partial void LogShadowAsked(ILogger logger, string method, string? target, string rule, string? userId, string correlationId);
}
