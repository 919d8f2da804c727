using McpFoundation.Pipeline;
using McpFoundation.Security.Policy;

namespace McpFoundation.Security.Approval;

/// <summary>
/// Turns a policy's <c>ask</c> into the calling user's answer: an elicitation to a session client, an input-required
/// result to a stateless (2026-07-28) client. An approval is bound to the exact tool and canonical arguments.
/// </summary>
public interface IApprovalBroker
{
    /// <summary>Asks the caller of <paramref name="context"/> to approve it.</summary>
    /// <param name="context">The operation waiting for approval (its arguments already canonical).</param>
    /// <param name="decision">The policy's <see cref="PolicyEffect.Ask"/> decision (its rule names what asked).</param>
    /// <param name="cancellationToken">Cancelled when the caller gives up or the gateway cancels the operation.</param>
    /// <returns>Allow when approved; otherwise a denial with <see cref="GatewayErrorCodes.ApprovalRefused"/> or <see cref="GatewayErrorCodes.ApprovalUnavailable"/> that says why.</returns>
    ValueTask<SecurityDecision> DecideAsync(OperationContext context, PolicyDecision decision, CancellationToken cancellationToken);
}
