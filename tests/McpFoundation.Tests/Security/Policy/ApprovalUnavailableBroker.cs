using McpFoundation.Pipeline;
using McpFoundation.Security.Approval;

using McpFoundation.Security.Policy;

namespace McpFoundation.Tests.Security.Policy;

/// <summary>A test double of <see cref="IApprovalBroker"/> for unit tests of the policy filter: every ask is refused with <see cref="GatewayErrorCodes.ApprovalUnavailable"/>.</summary>
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
