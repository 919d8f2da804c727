using System.Text.RegularExpressions;
using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>Whether the policy refuses what it denies (<c>enforce</c>) or only logs and reports it (<c>shadow</c>).</summary>
internal enum PolicyMode
{
    /// <summary>Denials are enforced.</summary>
    Enforce,

    /// <summary>Denials and asks are logged and raised as <c>SecurityViolation</c> events, and the operation goes on.</summary>
    Shadow,
}

/// <summary>The validated <c>policy</c> section: what the rule compiler compiles once per configuration snapshot.</summary>
internal sealed record PolicyDefinition
{
    /// <summary>The default decision timeout (<c>policy.decision_timeout_ms</c>).</summary>
    public static readonly TimeSpan DefaultDecisionTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets the effect for an operation no rule matches (only for the categories the default governs).</summary>
    public PolicyEffect Default { get; init; } = PolicyEffect.Allow;

    /// <summary>Gets a value indicating whether <see cref="Default"/> came from the strict-validation rule, not the file.</summary>
    public bool DefaultIsImplicit { get; init; }

    /// <summary>Gets the mode.</summary>
    public PolicyMode Mode { get; init; } = PolicyMode.Enforce;

    /// <summary>Gets the time a decision (argument checks included) may take before it is a deny.</summary>
    public TimeSpan DecisionTimeout { get; init; } = DefaultDecisionTimeout;

    /// <summary>Gets the rules, in file order.</summary>
    public IReadOnlyList<PolicyRule> Rules { get; init; } = [];
}

/// <summary>One validated rule. A field left out matches everything; every field that is set must match.</summary>
internal sealed record PolicyRule
{
    public required string Id { get; init; }

    public required PolicyEffect Effect { get; init; }

    public string? Description { get; init; }

    /// <summary>Gets globs over exposed tool names; null when the rule names no tools.</summary>
    public IReadOnlyList<string>? Tools { get; init; }

    /// <summary>Gets globs over exposed prompt names; null when the rule names no prompts.</summary>
    public IReadOnlyList<string>? Prompts { get; init; }

    /// <summary>Gets globs over resource URIs; null when the rule names no resources.</summary>
    public IReadOnlyList<string>? Resources { get; init; }

    /// <summary>Gets server ids; null for every server.</summary>
    public IReadOnlyList<string>? Servers { get; init; }

    /// <summary>Gets user ids and <c>role:&lt;r&gt;</c> entries; null for every caller (anonymous ones included).</summary>
    public IReadOnlyList<string>? Users { get; init; }

    /// <summary>Gets the categories named in the file; null when the rule names none (then its targets decide, see <see cref="PolicyCategories.Implicit"/>).</summary>
    public IReadOnlyList<OperationCategory>? Categories { get; init; }

    /// <summary>Gets the conditions on arguments; null when the rule has none.</summary>
    public PolicyCondition? When { get; init; }
}

/// <summary>A rule's <c>when</c>, validated: every part that is set must hold.</summary>
internal sealed record PolicyCondition
{
    /// <summary>Gets roots (absolute, normalized, no trailing separator) a path argument is under.</summary>
    public IReadOnlyList<string>? PathUnder { get; init; }

    /// <summary>Gets roots a path argument is outside of (all of them).</summary>
    public IReadOnlyList<string>? PathNotUnder { get; init; }

    /// <summary>Gets host globs (lower case) a URL argument's host matches.</summary>
    public IReadOnlyList<string>? UrlHosts { get; init; }

    /// <summary>Gets per-argument regular expressions (compiled, linear time, with a match timeout).</summary>
    public IReadOnlyList<PolicyArgumentPattern>? Arguments { get; init; }
}

/// <summary>One <c>when.arguments.&lt;name&gt;.matches</c>.</summary>
/// <param name="Name">The argument's name (top level).</param>
/// <param name="Pattern">The regular expression.</param>
internal sealed record PolicyArgumentPattern(string Name, Regex Pattern);
