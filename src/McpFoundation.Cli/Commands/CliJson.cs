using System.Text.Encodings.Web;
using System.Text.Json;
using ModelContextProtocol;

namespace McpFoundation.Cli.Commands;

internal static class CliJson
{
    public static JsonSerializerOptions Indented { get; } = new(McpJsonUtilities.DefaultOptions)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
