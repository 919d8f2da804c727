namespace McpFoundation.Configuration;

/// <summary>Finds the known name closest to a misspelt one, for "did you mean" hints.</summary>
internal static class FieldSuggester
{
    /// <summary>The largest edit distance at which a known name is suggested.</summary>
    public const int MaxDistance = 2;

    /// <summary>Returns the known name closest to <paramref name="name"/> (case-insensitive, transpositions count as one edit), or null when none is within <see cref="MaxDistance"/>.</summary>
    public static string? Closest(string name, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = MaxDistance + 1;
        foreach (var candidate in known)
        {
            var distance = Distance(name, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>
    /// Returns up to <paramref name="count"/> known names within <see cref="MaxDistance"/> of <paramref name="name"/>,
    /// closest first (ties in ordinal order). Names whose length differs by more than the distance are skipped
    /// without computing it, so a very long name costs nothing.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string name, IEnumerable<string> known, int count)
    {
        var found = new List<(string Name, int Distance)>();
        foreach (var candidate in known)
        {
            if (Math.Abs(candidate.Length - name.Length) > MaxDistance)
            {
                continue;
            }

            var distance = Distance(name, candidate);
            if (distance <= MaxDistance)
            {
                found.Add((candidate, distance));
            }
        }

        return [.. found
            .OrderBy(f => f.Distance)
            .ThenBy(f => f.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(f => f.Name)];
    }

    /// <summary>Optimal-string-alignment distance, ignoring letter case.</summary>
    public static int Distance(string left, string right)
    {
        var rows = left.Length + 1;
        var columns = right.Length + 1;
        var d = new int[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j < columns; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i < rows; i++)
        {
            for (var j = 1; j < columns; j++)
            {
                var cost = char.ToUpperInvariant(left[i - 1]) == char.ToUpperInvariant(right[j - 1]) ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToUpperInvariant(left[i - 1]) == char.ToUpperInvariant(right[j - 2])
                    && char.ToUpperInvariant(left[i - 2]) == char.ToUpperInvariant(right[j - 1]))
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }

                d[i, j] = value;
            }
        }

        return d[rows - 1, columns - 1];
    }
}
