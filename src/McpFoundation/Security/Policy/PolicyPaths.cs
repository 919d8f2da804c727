namespace McpFoundation.Security.Policy;

/// <summary>Path comparisons of <c>when.path</c>: by whole segments, never by string prefix (<c>/safe_evil</c> is not under <c>/safe</c>).</summary>
internal static class PolicyPaths
{
    /// <summary>Normalizes an absolute path lexically: <c>.</c> and <c>..</c> resolved, repeated and trailing separators dropped.</summary>
    public static string Normalize(string absolute)
    {
        var full = Path.GetFullPath(absolute);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>Whether <paramref name="path"/> (normalized) is <paramref name="root"/> or inside it.</summary>
    public static bool IsUnder(string path, string root)
    {
        if (root == "/")
        {
            return path.StartsWith('/');
        }

        return path.StartsWith(root, StringComparison.Ordinal) && (path.Length == root.Length || path[root.Length] == '/');
    }

    /// <summary>Whether <paramref name="path"/> is under any of <paramref name="roots"/>.</summary>
    public static bool IsUnderAny(string path, IReadOnlyList<string> roots)
    {
        for (var i = 0; i < roots.Count; i++)
        {
            if (IsUnder(path, roots[i]))
            {
                return true;
            }
        }

        return false;
    }
}
