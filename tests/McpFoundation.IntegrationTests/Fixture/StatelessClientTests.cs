using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Fixture;

/// <summary>
/// Clients of the stateless 2026-07-28 revision (the SDK client's default) over the HTTP front. They cannot receive
/// server-to-client requests, so the gateway forwards a downstream server's sampling and elicitation as multi-round-trip
/// (MRTR) input requests and resumes the suspended downstream call when the client retries.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StatelessClientTests(FixtureGateway gateway) : IClassFixture<FixtureGateway>
{
    private const string StatelessRevision = "2026-07-28";

    [Theory]
    [InlineData("fixture")]
    [InlineData("fixture_http")]
    public async Task CallTool_SampleFromStatelessClient_RoundTripsAsInputRequest(string server)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        int samplingCalls = 0;
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, o =>
        {
            o.ProtocolVersion = StatelessRevision;
            o.Capabilities = new ClientCapabilities { Sampling = new SamplingCapability() };
            o.Handlers.SamplingHandler = (request, _, _) =>
            {
                Interlocked.Increment(ref samplingCalls);
                string prompt = string.Concat(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(b => b.Text));
                return ValueTask.FromResult(new CreateMessageResult
                {
                    Content = [new TextContentBlock { Text = "stateless reply to " + prompt }],
                    Model = "test-model",
                    Role = Role.Assistant,
                });
            };
        });

        CallToolResult result = await client.Client.CallToolAsync(server + "__sample", Results.Args(("prompt", "2+2?")), cancellationToken: cts.Token);

        Assert.Equal(StatelessRevision, client.Client.NegotiatedProtocolVersion);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("sampled: stateless reply to 2+2?", result.Text());
        Assert.Equal(1, samplingCalls);
        Assert.Equal(0, gateway.Host.Services.GetRequiredService<SuspendedToolCalls>().Count);
    }

    [Fact]
    public async Task CallTool_ElicitFromStatelessClient_RoundTripsAsInputRequest()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, o =>
        {
            o.ProtocolVersion = StatelessRevision;
            o.Capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Form = new FormElicitationCapability() } };
            o.Handlers.ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("blue") },
            });
        });

        CallToolResult result = await client.Client.CallToolAsync("fixture__elicit", Results.Args(("question", "favourite colour?")), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("action=accept answer=blue", result.Text());
    }

    [Fact]
    public async Task CallTool_StatelessClientWithoutSamplingCapability_RefusedWithCapabilityMissing()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, o => o.ProtocolVersion = StatelessRevision);

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "hi")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ClientCapabilityMissing, ex.ErrorCode);
        Assert.Equal(0, gateway.Host.Services.GetRequiredService<SuspendedToolCalls>().Count);
    }

    [Fact]
    public async Task CallTool_UnknownRequestState_RefusedWithInvalidParams()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, o => o.ProtocolVersion = StatelessRevision);

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync(
            new CallToolRequestParams
            {
                Name = "fixture__echo",
                Arguments = new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("x") },
                RequestState = "mcpf-mrtr-forged",
            },
            cts.Token).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("requestState", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ProgressToStatelessClient_EveryNotificationArrivesBeforeResult()
    {
        const int Count = 40;
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, o => o.ProtocolVersion = StatelessRevision);
        int start = client.Wire.Snapshot().Count;
        var request = new CallToolRequestParams
        {
            Name = "fixture__progress_burst",
            Arguments = new Dictionary<string, JsonElement> { ["count"] = JsonSerializer.SerializeToElement(Count) },
            Meta = new JsonObject { ["progressToken"] = "stateless-burst" },
        };

        CallToolResult result = await client.Client.CallToolAsync(request, cts.Token);

        Assert.Equal($"done {Count}", result.Text());
        IReadOnlyList<JsonRpcMessage> wire = [.. client.Wire.Snapshot().Skip(start)];
        int resultIndex = wire.Select((m, i) => (m, i)).First(x => x.m is JsonRpcResponse).i;
        List<double> progress = [.. wire.Take(resultIndex)
            .OfType<JsonRpcNotification>()
            .Where(n => n.Method == NotificationMethods.ProgressNotification && (string?)n.Params?["progressToken"] == "stateless-burst")
            .Select(n => (double)n.Params!["progress"]!)];
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (double)i), progress);
    }
}
