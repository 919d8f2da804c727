using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The real <c>mcpf serve --stdio</c> at Debug, in both log formats: stdout carries the protocol and nothing else (every
/// line one JSON-RPC message), while the log, with the correlation id of each call, goes to stderr.
/// </summary>
[Collection(InteropTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class StdioLoggingTests
{
    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task ServeStdio_AtDebug_WritesOnlyProtocolToStdout_AndTheLogWithCorrelationIdsToStderr(string format)
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-stdio-log-").FullName;
        string config = Path.Combine(directory, "gateway.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["settings"] = new Dictionary<string, object> { ["log_level"] = "debug", ["data_dir"] = Path.Combine(directory, "data") },
            ["servers"] = new Dictionary<string, object> { ["fixture"] = new { command = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio" } } },
        }));
        try
        {
            await using ChildProcess mcpf = ChildProcess.Start(
                "dotnet",
                [InteropPaths.McpfDll, "serve", "--config", config, "--stdio"],
                new Dictionary<string, string> { ["MCPF_LOG_FORMAT"] = format },
                keepStdinOpen: true);
            await mcpf.WaitForLineAsync("fixture is now Connected|\"ServerHealthChanged\"", InteropGateway.StartTimeout);
            await mcpf.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stdio-log-test","version":"1"}}}""");
            await mcpf.WaitForLineAsync("\"id\":1", InteropGateway.StartTimeout);
            await mcpf.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            await mcpf.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"logged"}}}""");
            await mcpf.WaitForLineAsync("\"id\":2", InteropGateway.StartTimeout);
            await mcpf.WaitForLineAsync("Forwarding", InteropGateway.StartTimeout);
            mcpf.CloseStandardInput();
            Assert.Equal(0, await mcpf.WaitForExitAsync(TimeSpan.FromSeconds(30)));

            string[] stdout = mcpf.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(stdout);
            foreach (string line in stdout)
            {
                using JsonDocument message = JsonDocument.Parse(line); // throws on anything that is not JSON
                Assert.Equal("2.0", message.RootElement.GetProperty("jsonrpc").GetString());
            }

            Assert.Contains(stdout, l => l.Contains("\"id\":2", StringComparison.Ordinal) && l.Contains("logged", StringComparison.Ordinal));
            string forwarding = mcpf.StandardError.Split('\n').First(l => l.Contains("Forwarding", StringComparison.Ordinal));
            if (format == "json")
            {
                // One object per line; the correlation id is in the message and in the scope.
                using JsonDocument entry = JsonDocument.Parse(forwarding);
                Assert.Equal("McpFoundation.Routing.OperationRouter", entry.RootElement.GetProperty("Category").GetString());
                string id = entry.RootElement.GetProperty("State").GetProperty("CorrelationId").GetString()!;
                Assert.Contains(entry.RootElement.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("CorrelationId", out JsonElement scoped) && scoped.GetString() == id);
            }
            else
            {
                Assert.Matches("correlation [0-9a-f]{16}-[0-9a-f]{16}", forwarding);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
