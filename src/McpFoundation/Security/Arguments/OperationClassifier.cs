using ModelContextProtocol.Protocol;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Gives a tool its operation class (<c>read</c>, <c>write</c>, <c>list</c>, <c>delete</c>, <c>execute</c>,
/// <c>network</c>). In order: the profile's explicit <c>operation</c>; an execute verb in the name (annotations are the
/// server's hints and never make a shell tool look harmless); the annotations (<c>openWorldHint</c> with URL
/// arguments → network, <c>readOnlyHint</c> → read or list, <c>destructiveHint</c> → delete or write); the name's
/// verbs; the description's verbs; and <c>write</c> when nothing says.
/// </summary>
internal static class OperationClassifier
{
    public const string Read = "read";
    public const string Write = "write";
    public const string List = "list";
    public const string Delete = "delete";
    public const string Execute = "execute";
    public const string Network = "network";

    private static readonly Dictionary<string, string> Verbs = new(StringComparer.Ordinal)
    {
        ["read"] = Read, ["get"] = Read, ["view"] = Read, ["cat"] = Read, ["show"] = Read, ["search"] = Read, ["find"] = Read,
        ["list"] = List, ["ls"] = List, ["tree"] = List, ["dir"] = List,
        ["write"] = Write, ["create"] = Write, ["edit"] = Write, ["update"] = Write, ["move"] = Write, ["rename"] = Write,
        ["mkdir"] = Write, ["append"] = Write, ["put"] = Write, ["set"] = Write,
        ["delete"] = Delete, ["remove"] = Delete, ["rm"] = Delete, ["unlink"] = Delete,
        ["run"] = Execute, ["exec"] = Execute, ["execute"] = Execute, ["shell"] = Execute, ["spawn"] = Execute, ["eval"] = Execute,
        ["fetch"] = Network, ["http"] = Network, ["request"] = Network, ["download"] = Network, ["browse"] = Network, ["curl"] = Network,
    };

    // When several verbs appear (get_and_delete, read_then_run), the most dangerous decides.
    private static readonly string[] Danger = [Execute, Delete, Network, Write, List, Read];

    /// <summary>Classifies <paramref name="tool"/>.</summary>
    /// <param name="toolName">The downstream tool name.</param>
    /// <param name="tool">The tool's definition, if known.</param>
    /// <param name="explicitOperation">The profile's <c>tools.&lt;tool&gt;.operation</c>, if set.</param>
    /// <param name="hasUrlArguments">Whether the tool's arguments include a URL.</param>
    /// <returns>The class and where it came from (for the report's note).</returns>
    public static (string Operation, string Source) Classify(string toolName, Tool? tool, string? explicitOperation, bool hasUrlArguments)
    {
        if (explicitOperation is not null)
        {
            return (explicitOperation, "security_profile.tools");
        }

        var nameWords = NameWords.Split(toolName);
        var fromName = FromWords(nameWords);
        if (fromName == Execute)
        {
            return (Execute, "name");
        }

        if (tool?.Annotations is { } annotations)
        {
            if (annotations.OpenWorldHint == true && hasUrlArguments)
            {
                return (Network, "annotations (openWorldHint)");
            }

            if (annotations.ReadOnlyHint == true)
            {
                return (fromName == List ? List : Read, "annotations (readOnlyHint)");
            }

            if (annotations.DestructiveHint == true)
            {
                return (fromName == Delete ? Delete : Write, "annotations (destructiveHint)");
            }
        }

        if (fromName is not null)
        {
            return (fromName, "name");
        }

        if (tool?.Description is { Length: > 0 } description)
        {
            var sentence = description.AsSpan();
            var end = sentence.IndexOfAny(".\n");
            var words = NameWords.Split(end > 0 ? sentence[..end].ToString() : description);
            if (FromWords(words) is { } fromDescription)
            {
                return (fromDescription, "description");
            }
        }

        return (Write, "unclassified (counts as write)");
    }

    private static string? FromWords(List<string> words)
    {
        string? worst = null;
        foreach (var word in words)
        {
            if (Verbs.TryGetValue(Stem(word), out var operation) && (worst is null || Array.IndexOf(Danger, operation) < Array.IndexOf(Danger, worst)))
            {
                worst = operation;
            }
        }

        return worst;
    }

    // "reads", "lists", "deletes", "executes", "fetches" in descriptions.
    private static string Stem(string word) =>
        Verbs.ContainsKey(word) ? word
        : word.EndsWith("es", StringComparison.Ordinal) && Verbs.ContainsKey(word[..^2]) ? word[..^2]
        : word.EndsWith('s') && Verbs.ContainsKey(word[..^1]) ? word[..^1]
        : word;
}
