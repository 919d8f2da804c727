using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.AspNetCore.Http;
using McpFoundation.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Fixture;

/// <summary>
/// The HTTP front answers plain tools/call requests of established sessions itself (DirectToolCallFilter), and leaves
/// every request that needs the SDK's event stream to the SDK. Both paths must give the client the same answers.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DirectToolCallTests(FixtureGateway gateway) : IClassFixture<FixtureGateway>, IDisposable
{
    private HttpClient Http { get; } = new();

    public void Dispose() => Http.Dispose();

    private DirectToolCallFilter Filter => gateway.Host.Services.GetRequiredService<DirectToolCallFilter>();

    [Fact]
    public async Task CallTool_PlainCallFromClientWithoutServerRequests_AnsweredDirectlyWithSameResult()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        long before = Filter.Answered;

        CallToolResult echo = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "direct")), cancellationToken: cts.Token);
        CallToolResult sum = await client.Client.CallToolAsync("fixture__add", Results.Args(("a", 2), ("b", 3)), cancellationToken: cts.Token);

        Assert.Equal("direct", echo.Text());
        Assert.Equal(5, sum.StructuredContent?.GetProperty("sum").GetDouble());
        Assert.Equal(before + 2, Filter.Answered);
    }

    [Fact]
    public async Task CallTool_DownstreamErrorOnDirectPath_KeepsCodeAndMessage()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        long before = Filter.Answered;

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__fail", Results.Args(("code", -32042), ("message", "boom")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)(-32042), ex.ErrorCode);
        Assert.EndsWith("boom", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, Filter.Answered);
    }

    [Fact]
    public async Task CallTool_WithProgressToken_LeftToTheSdk()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        long before = Filter.Answered;
        var request = new CallToolRequestParams
        {
            Name = "fixture__progress_burst",
            Arguments = new Dictionary<string, JsonElement> { ["count"] = JsonSerializer.SerializeToElement(3) },
            Meta = new JsonObject { ["progressToken"] = "direct-test" },
        };

        CallToolResult result = await client.Client.CallToolAsync(request, cts.Token);

        Assert.Equal("done 3", result.Text());
        Assert.Equal(before, Filter.Answered);
    }

    [Fact]
    public async Task CallTool_ClientAcceptsSampling_LeftToTheSdk()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, o =>
        {
            o.Capabilities = new ClientCapabilities { Sampling = new SamplingCapability() };
            o.Handlers.SamplingHandler = (_, _, _) => ValueTask.FromResult(new CreateMessageResult { Content = [new TextContentBlock { Text = "ok" }], Model = "m", Role = Role.Assistant });
        });
        long before = Filter.Answered;

        CallToolResult result = await client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "p")), cancellationToken: cts.Token);

        Assert.Equal("sampled: ok", result.Text());
        Assert.Equal(before, Filter.Answered);
    }

    [Fact]
    public async Task RawSession_ToolCallAnsweredDirectlyAndOtherRequestsStillReachTheSdk()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using HttpResponseMessage initialized = await PostAsync(null, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""", cts.Token);
        string session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using HttpResponseMessage notified = await PostAsync(session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", cts.Token);
        long before = Filter.Answered;

        using HttpResponseMessage call = await PostAsync(session, """{"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"raw"}}}""", cts.Token);
        using JsonDocument answer = JsonDocument.Parse(await call.Content.ReadAsStringAsync(cts.Token));
        using HttpResponseMessage list = await PostAsync(session, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", cts.Token);
        string listed = await list.Content.ReadAsStringAsync(cts.Token);

        Assert.Equal(before + 1, Filter.Answered);
        Assert.Equal("application/json", call.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(call.Content.Headers.ContentLength);
        Assert.Equal("call-1", answer.RootElement.GetProperty("id").GetString());
        Assert.Equal("raw", answer.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(System.Net.HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("\"fixture__echo\"", listed, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostAsync(string? session, string json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        HttpResponseMessage response = await Http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response;
    }
}
