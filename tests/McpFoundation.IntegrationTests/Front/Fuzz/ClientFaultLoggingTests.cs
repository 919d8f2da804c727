using McpFoundation.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>
/// A client cannot fill the gateway's log with Error lines: requests the gateway refuses (an unknown tool, invalid
/// params, an unknown prompt) are logged by the SDK at Debug, on both fronts; the refusal still reaches the client.
/// </summary>
[Trait("Category", "Security")]
public sealed class ClientFaultLoggingTests
{
    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task RefusedRequests_NothingLoggedAboveWarning(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var warnings = new WarningCapture();
        await using GatewayHost host = await GatewayHost.StartAsync(
            TestServers.Configuration(TestServers.Fixture("fixture", "--no-resources")),
            cts.Token,
            services: services => services.AddSingleton<ILoggerProvider>(warnings));
        await using TestClient client = await host.ConnectAsync(front, cts.Token);

        for (int i = 0; i < 5; i++)
        {
            McpProtocolException unknownTool = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("no_such_tool", cancellationToken: cts.Token).AsTask());
            Assert.Equal(McpErrorCode.InvalidParams, unknownTool.ErrorCode);
            await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.GetPromptAsync("no_such_prompt", cancellationToken: cts.Token).AsTask());
        }

        CallToolResult result = await client.Client.CallToolAsync("fixture__echo", new Dictionary<string, object?> { ["message"] = "ok" }, cancellationToken: cts.Token);
        Assert.NotEmpty(result.Content);
        Assert.True(warnings.Entries.Count == 0, string.Join("\n", warnings.Entries));
    }
}
