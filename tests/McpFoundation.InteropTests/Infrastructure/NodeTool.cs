using System.Text.Json;

namespace McpFoundation.InteropTests.Infrastructure;

/// <summary>The result of one run of a node tool (the Inspector CLI or ts-client.mjs).</summary>
internal sealed record NodeToolResult(int ExitCode, string StandardOutput, string StandardError, string CommandLine)
{
    /// <summary>The last non-empty stdout line parsed as JSON (both tools print one JSON document last).</summary>
    public JsonElement Json
    {
        get
        {
            string? line = StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (line is null)
            {
                throw new InvalidOperationException($"No output from `{CommandLine}` (exit {ExitCode}).\nstderr:\n{StandardError}");
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"Output of `{CommandLine}` is not JSON: {ex.Message}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}", ex);
            }
        }
    }

    /// <summary>Everything a failure message needs.</summary>
    public override string ToString() => $"`{CommandLine}` exited {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>Runs the npm-installed MCP clients with node 22, bounded in time; the process tree is killed afterwards.</summary>
internal static class NodeTool
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The MCP Inspector CLI: <c>node mcp-inspector --cli ARGS</c> (one JSON line on stdout with --format json).</summary>
    public static Task<NodeToolResult> InspectorAsync(InteropGateway gateway, IEnumerable<string> args) =>
        RunAsync(
            [InteropPaths.Inspector, "--cli", .. args],
            new Dictionary<string, string> { ["HOME"] = gateway.InspectorHome });

    /// <summary>tests/npm/ts-client.mjs (TypeScript SDK client): one JSON object on stdout.</summary>
    public static Task<NodeToolResult> TsClientAsync(IEnumerable<string> args) => RunAsync([InteropPaths.TsClient, .. args], null);

    private static async Task<NodeToolResult> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        string node = InteropPaths.Node22;
        await using ChildProcess child = ChildProcess.Start(node, args, environment);
        int exit = await child.WaitForExitAsync(RunTimeout);
        return new NodeToolResult(exit, child.StandardOutput, child.StandardError, child.Description);
    }
}
