using System.Text.Json;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Guesses what a string argument is from its name and its schema: <c>format: uri</c> (and <c>uri-reference</c>,
/// <c>iri</c>, <c>iri-reference</c>) is a URL; the name's last word (<c>source_path</c>, <c>filePath</c>, <c>paths</c>)
/// decides between path, URL and command; a value beginning with <c>file:</c> is a path whatever its name.
/// </summary>
internal static class ArgumentKinds
{
    private static readonly Dictionary<string, ArgumentKind> Words = new(StringComparer.Ordinal)
    {
        ["path"] = ArgumentKind.Path,
        ["file"] = ArgumentKind.Path,
        ["filename"] = ArgumentKind.Path,
        ["filepath"] = ArgumentKind.Path,
        ["source"] = ArgumentKind.Path,
        ["destination"] = ArgumentKind.Path,
        ["directory"] = ArgumentKind.Path,
        ["dir"] = ArgumentKind.Path,
        ["folder"] = ArgumentKind.Path,
        ["root"] = ArgumentKind.Path,
        ["url"] = ArgumentKind.Url,
        ["uri"] = ArgumentKind.Url,
        ["endpoint"] = ArgumentKind.Url,
        ["href"] = ArgumentKind.Url,
        ["link"] = ArgumentKind.Url,
        ["command"] = ArgumentKind.Command,
        ["cmd"] = ArgumentKind.Command,
        ["script"] = ArgumentKind.Command,
        ["args"] = ArgumentKind.Command,
        ["argv"] = ArgumentKind.Command,
    };

    // Single-word names that end in a strong suffix: "workdir", "baseurl", "filepath". ("file" and "source" are too
    // common as endings, "profile", "resource", to count.)
    private static readonly (string Suffix, ArgumentKind Kind)[] Suffixes =
        [("path", ArgumentKind.Path), ("dir", ArgumentKind.Path), ("url", ArgumentKind.Url), ("uri", ArgumentKind.Url)];

    /// <summary>What the name alone says (null for text).</summary>
    public static ArgumentKind? FromName(string name)
    {
        var words = NameWords.Split(name);
        if (words.Count == 0)
        {
            return null;
        }

        var last = words[^1];
        if (Words.TryGetValue(last, out var kind))
        {
            return kind;
        }

        // Plurals name arrays of the same: paths, files, urls, directories.
        var singular = last.EndsWith("ies", StringComparison.Ordinal) ? last[..^3] + "y" : last.EndsWith('s') ? last[..^1] : null;
        if (singular is not null && Words.TryGetValue(singular, out kind) && kind != ArgumentKind.Command)
        {
            return kind;
        }

        foreach (var (suffix, suffixKind) in Suffixes)
        {
            if (last.Length > suffix.Length && (last.EndsWith(suffix, StringComparison.Ordinal) || (singular?.EndsWith(suffix, StringComparison.Ordinal) ?? false)))
            {
                return suffixKind;
            }
        }

        return null;
    }

    /// <summary>Says whether the name's last word names a directory (directory, dir, folder, root), for the extension rule.</summary>
    public static bool NamesDirectory(string name)
    {
        var words = NameWords.Split(name);
        return words.Count > 0 && words[^1] is "directory" or "directories" or "dir" or "dirs" or "folder" or "folders" or "root" or "roots" or "cwd" or "workdir";
    }

    /// <summary>What the schema's <c>format</c> says (null when it says nothing about kind).</summary>
    public static ArgumentKind? FromSchema(JsonElement? schema)
    {
        if (schema is { ValueKind: JsonValueKind.Object } value
            && value.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String)
        {
            var text = format.GetString();
            if (text is "uri" or "uri-reference" or "iri" or "iri-reference" or "url")
            {
                return ArgumentKind.Url;
            }
        }

        return null;
    }
}
