using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The official MCP Inspector CLI (<c>@modelcontextprotocol/inspector --cli</c>, node 22) against the real
/// <c>mcpf</c> process: over stdio (the Inspector launches <c>mcpf serve --stdio</c> itself) and over Streamable
/// HTTP (the collection's <c>mcpf serve --http</c>). Behind the gateway: server-everything and the fixture server.
/// </summary>
[Collection(InteropTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class InspectorCliTests(InteropGateway gateway)
{
    public static TheoryData<string> Fronts => new() { "stdio", "http" };

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task ToolsList_ShowsBothServersToolsWithTheirPrefixes(string front)
    {
        JsonElement result = await InspectAsync(front, "--method", "tools/list");

        string[] names = [.. result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];
        Assert.Contains("everything__echo", names);
        Assert.Contains("everything__get-sum", names);
        Assert.Contains("fixture__echo", names);
        Assert.DoesNotContain("echo", names);
        JsonElement echo = result.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "everything__echo");
        Assert.Equal("string", echo.GetProperty("inputSchema").GetProperty("properties").GetProperty("message").GetProperty("type").GetString());
    }

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task ToolsCall_EchoThroughTheGateway_ReturnsServerEverythingsText(string front)
    {
        JsonElement result = await InspectAsync(front, "--method", "tools/call", "--tool-name", "everything__echo", "--tool-arg", "message=hello from inspector");

        JsonElement content = Assert.Single(result.GetProperty("content").EnumerateArray());
        Assert.Equal("text", content.GetProperty("type").GetString());
        Assert.Equal("Echo: hello from inspector", content.GetProperty("text").GetString());
        Assert.False(result.TryGetProperty("isError", out JsonElement isError) && isError.GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task ResourcesList_ShowsBothServersResources(string front)
    {
        JsonElement result = await InspectAsync(front, "--method", "resources/list");

        string[] uris = [.. result.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uri").GetString()!)];
        Assert.Contains("demo://resource/static/document/architecture.md", uris);
        Assert.Contains("fixture://static/hello", uris);
    }

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task PromptsList_ShowsBothServersPromptsWithTheirPrefixes(string front)
    {
        JsonElement result = await InspectAsync(front, "--method", "prompts/list");

        string[] names = [.. result.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];
        Assert.Contains("everything__simple-prompt", names);
        Assert.Contains("everything__args-prompt", names);
        Assert.Contains("fixture__greeting", names);
    }

    /// <summary>Runs the Inspector CLI with <c>--format json -q</c> and returns its <c>result</c>.</summary>
    private async Task<JsonElement> InspectAsync(string front, params string[] method)
    {
        string[] common = ["--format", "json", "-q", .. method];
        NodeToolResult run = front == "http"
            ? await NodeTool.InspectorAsync(gateway, [gateway.HttpUrl.ToString(), .. common])
            : await NodeTool.InspectorAsync(gateway, [.. common, "--", .. gateway.StdioCommand]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(run.Json.TryGetProperty("result", out JsonElement result), run.ToString());
        return result;
    }
}
