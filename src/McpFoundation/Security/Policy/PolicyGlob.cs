namespace McpFoundation.Security.Policy;

/// <summary>
/// The globs of policy rules: <c>*</c> matches any run of characters (none included), <c>?</c> exactly one, every
/// other character itself. Matching allocates nothing and is linear in practice (one backtrack point, the last star).
/// </summary>
internal static class PolicyGlob
{
    /// <summary>Checks a glob; returns why it is not one, or null.</summary>
    public static string? Problem(string glob)
    {
        if (glob.Length == 0 || string.IsNullOrWhiteSpace(glob))
        {
            return "is empty; write a name or a glob such as \"fs__read_*\"";
        }

        foreach (var c in glob)
        {
            if (char.IsControl(c))
            {
                return "contains a control character; write a name or a glob such as \"fs__read_*\"";
            }

            if (c is '[' or ']' or '{' or '}')
            {
                return $"uses '{c}', which policy globs do not support (only * for any run of characters and ? for one); e.g. \"fs__read_*\"";
            }
        }

        if (glob.Contains("**", StringComparison.Ordinal))
        {
            return "contains \"**\"; one * already matches any run of characters, write \"*\"";
        }

        return null;
    }

    /// <summary>Gets a value indicating whether the glob has no wildcard (it names exactly one thing).</summary>
    public static bool IsLiteral(string glob) => glob.AsSpan().IndexOfAny('*', '?') < 0;

    /// <summary>Gets the text before the first wildcard.</summary>
    public static ReadOnlySpan<char> LiteralPrefix(string glob)
    {
        var index = glob.AsSpan().IndexOfAny('*', '?');
        return index < 0 ? glob : glob.AsSpan(0, index);
    }

    /// <summary>Matches <paramref name="text"/> against <paramref name="glob"/>, ordinal (case-sensitive).</summary>
    public static bool IsMatch(string glob, ReadOnlySpan<char> text) => IsMatch(glob, text, ignoreCase: false);

    /// <summary>Matches <paramref name="text"/> against <paramref name="glob"/>.</summary>
    public static bool IsMatch(string glob, ReadOnlySpan<char> text, bool ignoreCase)
    {
        int g = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (g < glob.Length && glob[g] == '*')
            {
                star = g++;
                resume = t;
            }
            else if (g < glob.Length && (glob[g] == '?' || Same(glob[g], text[t], ignoreCase)))
            {
                g++;
                t++;
            }
            else if (star >= 0)
            {
                g = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }

        return g == glob.Length;
    }

    /// <summary>
    /// Gets a value indicating whether every name <paramref name="inner"/> matches, <paramref name="outer"/> matches too
    /// (conservative: false when unsure). Used only for warnings.
    /// </summary>
    public static bool Covers(string outer, string inner)
    {
        if (outer == "*" || string.Equals(outer, inner, StringComparison.Ordinal))
        {
            return true;
        }

        if (IsLiteral(inner))
        {
            return IsMatch(outer, inner);
        }

        // "fs__*" covers "fs__read_*": outer is a literal prefix plus one trailing star, and inner starts with that prefix.
        return outer.EndsWith('*') && IsLiteral(outer[..^1]) && LiteralPrefix(inner).StartsWith(outer.AsSpan(0, outer.Length - 1), StringComparison.Ordinal);
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
