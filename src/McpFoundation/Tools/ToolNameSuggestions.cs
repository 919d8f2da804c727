using McpFoundation.Configuration;

namespace McpFoundation.Tools;

/// <summary>
/// The "did you mean" of an unknown tool name: tools the caller most likely meant, from the names the gateway exposes.
/// These are names the caller can list anyway (<c>tools/list</c>), so suggesting them reveals nothing. When lists
/// become per-user (a filter trimming <c>tools/list</c>), the suggestions must come from the same view.
/// </summary>
internal static class ToolNameSuggestions
{
    /// <summary>The most names one message suggests.</summary>
    public const int MaxSuggestions = 3;

    // Longer names are not worth comparing (no exposed name is that long in practice) and bound the work of a hostile caller.
    private const int MaxComparedLength = 256;

    /// <summary>
    /// Up to <see cref="MaxSuggestions"/> exposed names for <paramref name="name"/>, best first: the namespaced forms
    /// of a bare name (<c>echo</c> → <c>everything__echo</c>), the bare form of a namespaced one when namespacing is
    /// off (<c>everything__echo</c> → <c>echo</c>), then names within two edits (<c>fixture__ecko</c> →
    /// <c>fixture__echo</c>, or a bare <c>ecko</c> → <c>fixture__echo</c>).
    /// </summary>
    public static IReadOnlyList<string> For(string name, IReadOnlyCollection<string> exposedNames)
    {
        if (name.Length is 0 or > MaxComparedLength || exposedNames.Count == 0)
        {
            return [];
        }

        var suggestions = new List<string>(MaxSuggestions);

        // 1. A bare tool name whose namespaced form exists.
        string suffix = ToolNaming.Separator + name;
        Add(suggestions, exposedNames.Where(n => n.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal));

        // 2. A namespaced name when the gateway exposes bare names (namespacing "none").
        for (int at = name.IndexOf(ToolNaming.Separator, StringComparison.Ordinal); at >= 0; at = name.IndexOf(ToolNaming.Separator, at + 1, StringComparison.Ordinal))
        {
            string bare = name[(at + ToolNaming.Separator.Length)..];
            Add(suggestions, exposedNames.Where(n => string.Equals(n, bare, StringComparison.OrdinalIgnoreCase)));
        }

        // 3. Typos: the whole name, then a bare name against the tool part of namespaced ones.
        Add(suggestions, FieldSuggester.Nearest(name, exposedNames, MaxSuggestions));
        if (!name.Contains(ToolNaming.Separator, StringComparison.Ordinal))
        {
            var byToolPart = exposedNames
                .Select(n => (Exposed: n, At: n.IndexOf(ToolNaming.Separator, StringComparison.Ordinal)))
                .Where(n => n.At > 0)
                .ToLookup(n => n.Exposed[(n.At + ToolNaming.Separator.Length)..], n => n.Exposed, StringComparer.Ordinal);
            foreach (string toolPart in FieldSuggester.Nearest(name, byToolPart.Select(g => g.Key), MaxSuggestions))
            {
                Add(suggestions, byToolPart[toolPart].Order(StringComparer.Ordinal));
            }
        }

        return suggestions;
    }

    /// <summary>The sentence to put in the error, e.g. <c>Did you mean 'a__echo' or 'b__echo'?</c>; empty when there is none.</summary>
    public static string Sentence(IReadOnlyList<string> suggestions) => suggestions.Count switch
    {
        0 => "",
        1 => $"Did you mean '{suggestions[0]}'?",
        _ => $"Did you mean {string.Join(", ", suggestions.Take(suggestions.Count - 1).Select(s => $"'{s}'"))} or '{suggestions[^1]}'?",
    };

    private static void Add(List<string> suggestions, IEnumerable<string> candidates)
    {
        foreach (string candidate in candidates)
        {
            if (suggestions.Count == MaxSuggestions)
            {
                return;
            }

            if (!suggestions.Contains(candidate, StringComparer.Ordinal))
            {
                suggestions.Add(candidate);
            }
        }
    }
}
