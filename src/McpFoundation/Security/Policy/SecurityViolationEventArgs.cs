using McpFoundation.Pipeline;
using McpFoundation.Security.Policy;

namespace McpFoundation;

/// <summary>
/// A denial by the gateway's policy (the seed's <c>security_violation</c>): an explicit deny, the default, an argument
/// check, a refused or unavailable approval, or, in shadow mode, what would have been denied (<see cref="IsShadow"/>).
/// </summary>
public sealed class SecurityViolationEventArgs : EventArgs
{
    internal SecurityViolationEventArgs(PolicyDecision decision, OperationContext context, int errorCode, string reason, bool isShadow)
    {
        Decision = decision;
        Category = context.Category;
        Target = context.TargetName;
        ServerId = context.ServerId;
        UserId = context.UserId;
        CorrelationId = context.CorrelationId;
        ErrorCode = errorCode;
        Reason = reason;
        IsShadow = isShadow;
    }

    /// <summary>Gets the policy's decision (effect, deciding rules, checked arguments).</summary>
    public PolicyDecision Decision { get; }

    /// <summary>Gets the operation's category.</summary>
    public OperationCategory Category { get; }

    /// <summary>Gets the tool or prompt name, or the resource URI, the operation named.</summary>
    public string? Target { get; }

    /// <summary>Gets the tool name, for a tool call (<see cref="Target"/> otherwise null).</summary>
    public string? ToolName => Category == OperationCategory.ToolExecution ? Target : null;

    /// <summary>Gets the server the operation was routed to.</summary>
    public string? ServerId { get; }

    /// <summary>Gets the caller's id; null when anonymous.</summary>
    public string? UserId { get; }

    /// <summary>Gets the operation's correlation id (in the error's <c>data</c> and the log).</summary>
    public string CorrelationId { get; }

    /// <summary>Gets the error code the caller got (or would have got, in shadow mode).</summary>
    public int ErrorCode { get; }

    /// <summary>Gets why, in one line.</summary>
    public string Reason { get; }

    /// <summary>Gets the deciding rule (a policy rule id, <c>default</c>, or a profile field).</summary>
    public string? Rule => Decision.RuleIds.Count > 0 ? Decision.RuleIds[0] : null;

    /// <summary>Gets a value indicating whether the policy is in shadow mode: the operation was not refused.</summary>
    public bool IsShadow { get; }
}
