using System.Collections.ObjectModel;
using McpFoundation.Security.Arguments;

namespace McpFoundation.Configuration;

/// <summary>
/// What a server's <c>security_profile.tools.&lt;tool&gt;</c> says about one downstream tool: its operation class and
/// what each argument is, overriding what the gateway would guess from the tool's definition.
/// </summary>
public sealed record ToolProfile
{
    /// <summary>The operation classes a tool can have, in the order the docs list them.</summary>
    public static IReadOnlyList<string> Operations { get; } = ["read", "write", "list", "delete", "execute", "network"];

    /// <summary>Gets the tool's operation class (<c>read</c>, <c>write</c>, <c>list</c>, <c>delete</c>, <c>execute</c>, <c>network</c>); null to classify it from its definition.</summary>
    public string? Operation { get; init; }

    /// <summary>Gets what each named argument is (by its name, or its nested path such as <c>edits/path</c>); arguments not named here are classified from the input schema.</summary>
    public IReadOnlyDictionary<string, ArgumentKind> Arguments { get; init; } = ReadOnlyDictionary<string, ArgumentKind>.Empty;

    /// <summary>Gets a value indicating whether the tool's command arguments may hold shell metacharacters and leading dashes (config <c>allow_shell</c>, default false).</summary>
    public bool AllowShell { get; init; }

    /// <summary>Compares two tool profiles by value.</summary>
    /// <param name="other">The other profile.</param>
    /// <returns><see langword="true"/> when every value is equal.</returns>
    public bool Equals(ToolProfile? other) =>
        other is not null
        && string.Equals(Operation, other.Operation, StringComparison.Ordinal)
        && AllowShell == other.AllowShell
        && Arguments.Count == other.Arguments.Count
        && Arguments.All(pair => other.Arguments.TryGetValue(pair.Key, out var kind) && kind == pair.Value);

    /// <summary>Computes a hash code consistent with <see cref="Equals(ToolProfile?)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(Operation, AllowShell, Arguments.Count);
}
