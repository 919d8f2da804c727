using System.Text.RegularExpressions;

namespace McpFoundation.Audit.Redaction;

/// <summary>
/// One thing the redactor finds in text: a name (shown in the replacement, <c>[REDACTED:name]</c>), a pattern, the
/// capture group that holds the secret itself (0 for the whole match; e.g. only the value of <c>password=...</c>), and
/// an optional check that a match is real (the Luhn check of a card number).
/// </summary>
/// <param name="Name">The detector's name, e.g. <c>github_token</c>.</param>
/// <param name="Pattern">What it matches.</param>
/// <param name="Group">The group replaced (0 for the whole match).</param>
/// <param name="IsPii">Whether it finds personal data (configurable) rather than a secret (always on).</param>
/// <param name="Confirm">Confirms a match (null: every match counts).</param>
internal sealed record RedactionDetector(string Name, Regex Pattern, int Group = 0, bool IsPii = false, Func<string, bool>? Confirm = null)
{
    /// <summary>The replacement text.</summary>
    public string Replacement { get; } = $"[REDACTED:{Name}]";
}
