namespace McpFoundation.Security.Arguments;

/// <summary>Splits identifiers (<c>source_path</c>, <c>filePath</c>, <c>read-file</c>) and sentences into lower-case words.</summary>
internal static class NameWords
{
    public static List<string> Split(string name)
    {
        var words = new List<string>(4);
        var start = -1;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush(name, ref start, i, words);
                continue;
            }

            // A camelCase boundary: "filePath" -> file, path; "URLPath" -> url, path.
            if (start >= 0 && char.IsUpper(c) && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
            {
                Flush(name, ref start, i, words);
            }

            if (start < 0)
            {
                start = i;
            }
        }

        Flush(name, ref start, name.Length, words);
        return words;
    }

    private static void Flush(string name, ref int start, int end, List<string> words)
    {
        if (start >= 0 && end > start)
        {
            words.Add(name[start..end].ToLowerInvariant());
        }

        start = -1;
    }
}
