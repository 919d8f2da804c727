namespace McpFoundation.Security.Arguments;

/// <summary>What one canonicalizer made of one value: its canonical form and a note, or the rule that refused it and why.</summary>
internal readonly record struct CheckResult(string? Canonical, string? Note, string? Rule, string? Message, string? Hint)
{
    public bool IsRefused => Rule is not null;

    public static CheckResult Accept(string canonical, string? note = null) => new(canonical, note, null, null, null);

    public static CheckResult Refuse(string rule, string message, string hint, string? canonical = null) => new(canonical, null, rule, message, hint);
}
