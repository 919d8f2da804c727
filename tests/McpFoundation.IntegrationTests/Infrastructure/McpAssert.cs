using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>Small helpers to read results.</summary>
internal static class Results
{
    /// <summary>The concatenated text of a tool result's text blocks.</summary>
    public static string Text(this CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    /// <summary>Arguments for CallToolAsync.</summary>
    public static Dictionary<string, object?> Args(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
}
