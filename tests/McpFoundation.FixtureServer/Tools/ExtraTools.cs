using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Tools;

/// <summary>Echo tools made at run time: the <c>--tools N</c> extras and the ones <c>add_tool</c> registers.</summary>
internal static class ExtraTools
{
    public static IEnumerable<McpServerTool> Create(int count) =>
        Enumerable.Range(0, count).Select(i => CreateEcho(
            "extra_" + i.ToString("D3", CultureInfo.InvariantCulture),
            $"Extra tool number {i} (--tools). Returns the message unchanged."));

    public static McpServerTool CreateEcho(string name, string description) =>
        McpServerTool.Create(
            ([Description("The text to echo back.")] string message) => message,
            new McpServerToolCreateOptions { Name = name, Description = description });
}
