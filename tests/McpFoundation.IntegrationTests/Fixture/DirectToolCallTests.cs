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
public sealed class DirectToolCallTests(FixtureGateway gateway) : IClassFixture<FixtureGateway>
{
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
}
