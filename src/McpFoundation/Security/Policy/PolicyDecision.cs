using McpFoundation.Security.Arguments;

namespace McpFoundation.Security.Policy;

/// <summary>What a policy decides for one operation.</summary>
public enum PolicyEffect
{
    /// <summary>The operation may go on.</summary>
    Allow,

    /// <summary>The operation is refused.</summary>
    Deny,

    /// <summary>The operation may go on only once the calling user approves it, for exactly these arguments.</summary>
    Ask,
}

/// <summary>
/// The answer of <c>ValidateOperationAsync</c>: the seed's <c>is_valid</c> / <c>validation_errors</c>, with the effect,
/// the deciding rule(s) and the canonical form of every checked argument. The pipeline filter and <c>mcpf policy test</c>
/// get the same value from the same code.
/// </summary>
public sealed record PolicyDecision
{
    /// <summary>Gets a value indicating whether the operation may go on without asking anyone (<see cref="Effect"/> is <see cref="PolicyEffect.Allow"/>).</summary>
    public bool IsValid => Effect == PolicyEffect.Allow;

    /// <summary>Gets the effect.</summary>
    public required PolicyEffect Effect { get; init; }

    /// <summary>Gets why the operation is not valid, one line each (empty when it is).</summary>
    public IReadOnlyList<string> ValidationErrors { get; init; } = [];

    /// <summary>Gets the rule(s) that decided: policy rule ids, <c>default</c>, or profile fields and limits for argument checks.</summary>
    public IReadOnlyList<string> RuleIds { get; init; } = [];

    /// <summary>Gets the operation's correlation id.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the error code a refusal is answered with (0 when allowed).</summary>
    public int ErrorCode { get; init; }

    /// <summary>Gets a one-line hint of what to change for the operation to be allowed; null when allowed.</summary>
    public string? Hint { get; init; }

    /// <summary>Gets the argument a refusal is about, if it is about one.</summary>
    public string? Argument { get; init; }

    /// <summary>Gets every argument checked, with its canonical form.</summary>
    public IReadOnlyList<CheckedArgument> CheckedArguments { get; init; } = [];

    /// <summary>Gets a value indicating whether the policy is in <c>shadow</c> mode: a deny or ask is logged but the operation goes on.</summary>
    public bool IsShadow { get; init; }
}
