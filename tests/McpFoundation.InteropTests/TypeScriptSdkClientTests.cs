using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The official TypeScript SDK client (tests/npm/ts-client.mjs, @modelcontextprotocol/sdk 1.x) against the
/// real <c>mcpf</c> process over stdio (the client launches <c>mcpf serve --stdio</c>) and Streamable HTTP.
/// </summary>
[Collection(InteropTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class TypeScriptSdkClientTests(InteropGateway gateway)
{
    public static TheoryData<string> Fronts => new() { "stdio", "http" };

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task ListAllAndCallEcho(string front)
    {
        JsonElement output = await RunAsync(front, "--list-all", "--tool", "everything__echo", "--args", """{"message":"hi from ts"}""");

        Assert.Equal(front == "http" ? "streamable-http" : "stdio", output.GetProperty("transport").GetString());
        string[] tools = Strings(output.GetProperty("tools"));
        Assert.Contains("everything__echo", tools);
        Assert.Contains("fixture__echo", tools);
        Assert.Contains("demo://resource/static/document/architecture.md", Strings(output.GetProperty("resources")));
        Assert.Contains("fixture://static/hello", Strings(output.GetProperty("resources")));
        Assert.Contains("fixture://items/{id}", Strings(output.GetProperty("resourceTemplates")));
        Assert.Contains("everything__simple-prompt", Strings(output.GetProperty("prompts")));
        Assert.Contains("fixture__greeting", Strings(output.GetProperty("prompts")));

        JsonElement result = output.GetProperty("call").GetProperty("result");
        Assert.False(result.TryGetProperty("isError", out JsonElement isError) && isError.GetBoolean(), output.ToString());
        Assert.Equal("Echo: hi from ts", Assert.Single(result.GetProperty("content").EnumerateArray()).GetProperty("text").GetString());
    }

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task CallFixtureAdd_ReturnsTextAndStructuredContent(string front)
    {
        JsonElement output = await RunAsync(front, "--tool", "fixture__add", "--args", """{"a":2,"b":40}""");

        JsonElement result = output.GetProperty("call").GetProperty("result");
        Assert.Equal("42", Assert.Single(result.GetProperty("content").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(42, result.GetProperty("structuredContent").GetProperty("sum").GetDouble());
    }

    /// <summary>
    /// A server-to-client request through the gateway: the fixture's <c>sample</c> tool asks the client for
    /// sampling/createMessage; ts-client answers with a canned text, which must come back in the tool result.
    /// </summary>
    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task Sampling_RequestReachesTheClientAndTheReplyReachesTheServer(string front)
    {
        JsonElement output = await RunAsync(front, "--sampling-reply", "canned reply", "--tool", "fixture__sample", "--args", """{"prompt":"hello"}""");

        Assert.Contains("sampling/createMessage", output.GetProperty("serverRequests").EnumerateArray().Select(r => r.GetProperty("method").GetString()));
        JsonElement result = output.GetProperty("call").GetProperty("result");
        Assert.Equal("sampled: canned reply", Assert.Single(result.GetProperty("content").EnumerateArray()).GetProperty("text").GetString());
    }

    [Theory]
    [MemberData(nameof(Fronts))]
    public async Task Sampling_ServerEverythingsTrigger_GetsTheClientsReply(string front)
    {
        JsonElement output = await RunAsync(
            front, "--sampling-reply", "canned reply", "--tool", "everything__trigger-sampling-request", "--args", """{"prompt":"hello","maxTokens":10}""");

        Assert.Contains("everything__trigger-sampling-request", Strings(output.GetProperty("tools")));
        JsonElement result = output.GetProperty("call").GetProperty("result");
        Assert.False(result.TryGetProperty("isError", out JsonElement isError) && isError.GetBoolean(), output.ToString());
        Assert.Contains("canned reply", Assert.Single(result.GetProperty("content").EnumerateArray()).GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreadPoolIo_ServesTheSameCalls()
    {
        await using ChildProcess pool = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", gateway.ConfigPath, "--http", "http://127.0.0.1:0", "--io", "pool"]);
        var listening = await pool.WaitForLineAsync(@"^mcpf: listening on (http://\S+)$", InteropGateway.StartTimeout);

        NodeToolResult run = await NodeTool.TsClientAsync(["--tool", "fixture__echo", "--args", """{"message":"pool"}""", listening.Groups[1].Value]);

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement result = run.Json.GetProperty("call").GetProperty("result");
        Assert.Equal("pool", Assert.Single(result.GetProperty("content").EnumerateArray()).GetProperty("text").GetString());
    }

    private async Task<JsonElement> RunAsync(string front, params string[] options)
    {
        NodeToolResult run = front == "http"
            ? await NodeTool.TsClientAsync([.. options, gateway.HttpUrl.ToString()])
            : await NodeTool.TsClientAsync([.. options, "--", .. gateway.StdioCommand]);

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonElement output = run.Json;
        Assert.True(output.GetProperty("ok").GetBoolean(), run.ToString());
        return output;
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
