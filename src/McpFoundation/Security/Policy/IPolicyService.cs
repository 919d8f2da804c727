using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The one entry point of the policy: the seed's <c>validate_operation</c>. The pipeline's policy filter,
/// <c>McpSecurityIntegration.ValidateOperationAsync</c> and <c>mcpf policy test</c> all call it.
/// </summary>
public interface IPolicyService
{
    /// <summary>Decides whether <paramref name="context"/> may go on, on its canonical arguments.</summary>
    /// <param name="category">The operation's category (normally <c>context.Category</c>).</param>
    /// <param name="context">The operation.</param>
    /// <param name="cancellationToken">Cancels the decision (a cancelled or failed check is a deny).</param>
    /// <returns>The decision.</returns>
    ValueTask<PolicyDecision> ValidateOperationAsync(OperationCategory category, OperationContext context, CancellationToken cancellationToken = default);
}
