using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary><c>mcpf tools list --stats</c> with the real executable and a data directory no gateway has published to.</summary>
[Collection(InteropTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class ToolStatisticsCliTests
{
    [Fact]
    public async Task ToolsListStats_WithNothingPublished_ListsEveryToolWithZeroCallsAndSaysWhy()
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-stats-").FullName;
        string config = Path.Combine(directory, "gateway.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["settings"] = new Dictionary<string, object> { ["data_dir"] = Path.Combine(directory, "data") },
            ["servers"] = new Dictionary<string, object> { ["fixture"] = new { command = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio" } } },
        }));
        try
        {
            await using ChildProcess text = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "tools", "list", "--config", config, "--stats"]);
            Assert.Equal(0, await text.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Matches(@"NAME\s+CALLS\s+ERRORS\s+P50 MS\s+P99 MS", text.StandardOutput);
            Assert.Matches(@"fixture__echo\s+0\s+-", text.StandardOutput);
            Assert.Contains("no statistics yet", text.StandardError, StringComparison.Ordinal);

            await using ChildProcess json = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "tools", "list", "--config", config, "--stats", "--json"]);
            Assert.Equal(0, await json.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            using JsonDocument document = JsonDocument.Parse(json.StandardOutput);
            JsonElement echo = document.RootElement.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "fixture__echo");
            Assert.Equal(0, echo.GetProperty("calls").GetInt64());
            Assert.False(document.RootElement.TryGetProperty("publishedAt", out JsonElement published) && published.ValueKind != JsonValueKind.Null, "nothing was published");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
