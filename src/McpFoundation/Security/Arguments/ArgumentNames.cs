using System.Text.Json.Serialization;
using System.Text.Json.Nodes;

namespace McpFoundation.Security.Arguments;

/// <summary>Builds and splits the pointer-like names of nested arguments (<c>edits/0/path</c>), escaping as RFC 6901 does.</summary>
internal static class ArgumentNames
{
    /// <summary>Appends one segment (a property name or an index) to a name.</summary>
    public static string Child(string parent, string segment)
    {
        var escaped = segment.Contains('~', StringComparison.Ordinal) || segment.Contains('/', StringComparison.Ordinal)
            ? segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : segment;
        return parent.Length == 0 ? escaped : parent + "/" + escaped;
    }

    /// <summary>Splits a name into its unescaped segments.</summary>
    public static IReadOnlyList<string> Split(string name) =>
        [.. name.Split('/').Select(segment => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
}

/// <summary>Source-generated JSON metadata for what the argument checks serialize.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class ArgumentsJsonContext : JsonSerializerContext;
