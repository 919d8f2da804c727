using McpFoundation.Pipeline;
using McpFoundation.Security.Approval;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The approval broker in force until the real one (elicitation, input-required results) is registered: every
/// <c>ask</c> is refused with <see cref="GatewayErrorCodes.ApprovalUnavailable"/>. Registered with
/// <c>TryAddSingleton</c>, so any other <see cref="IApprovalBroker"/> replaces it.
/// </summary>
internal sealed class ApprovalUnavailableBroker : IApprovalBroker
{
    public ValueTask<SecurityDecision> DecideAsync(OperationContext context, PolicyDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(decision);
        var rule = decision.RuleIds.Count > 0 ? decision.RuleIds[0] : PolicyService.DefaultRule;
        return ValueTask.FromResult(SecurityDecision.Deny(
            GatewayErrorCodes.ApprovalUnavailable,
            $"This call needs approval (rule {rule}) and approval is not available: {PolicyWording.Describe(context)} must be approved by the caller, and this gateway cannot ask for approval yet.",
            PolicyFilter.FilterName,
            rule,
            $"ask an administrator to change policy rule '{rule}' (effect \"ask\") if the call should go through without approval"));
    }
}
