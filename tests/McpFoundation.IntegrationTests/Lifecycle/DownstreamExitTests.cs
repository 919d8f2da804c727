using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>A downstream server that dies: the gateway says so by name, keeps the others working, and reconnects it on a health check.</summary>
[Trait("Category", "Integration")]
public sealed class DownstreamExitTests
{
    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_ServerExited_UnavailableNamingServerThenHealthCheckReconnects(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using GatewayHost host = await GatewayHost.StartAsync(
            TestServers.Configuration(TestServers.Fixture("fixture"), TestServers.Fixture("other")), cts.Token);
        await using TestClient client = await host.ConnectAsync(front, cts.Token);
        var failed = new TaskCompletionSource<ServerHealth>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.ServerManager.ServerHealthChanged += (_, e) =>
        {
            if (e.Current.ServerId == "fixture" && e.Current.State == ServerState.Failed)
            {
                failed.TrySetResult(e.Current);
            }
        };

        CallToolResult exiting = await client.Client.CallToolAsync("fixture__exit", Results.Args(("code", 3)), cancellationToken: cts.Token);
        ServerHealth health = await failed.Task.WaitAsync(cts.Token);
        McpProtocolException unavailable = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "anyone?")), cancellationToken: cts.Token).AsTask());
        CallToolResult other = await client.Client.CallToolAsync("other__echo", Results.Args(("message", "still here")), cancellationToken: cts.Token);

        Assert.Equal("exiting with code 3", exiting.Text());
        Assert.Contains("exited with code 3", health.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((McpErrorCode)GatewayErrorCodes.ServerUnavailable, unavailable.ErrorCode);
        Assert.Contains("'fixture'", unavailable.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", unavailable.Message, StringComparison.Ordinal);
        Assert.Equal("still here", other.Text());

        ServerHealth reconnected = await host.ServerManager.CheckServerHealthAsync("fixture", cts.Token);
        CallToolResult back = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "back")), cancellationToken: cts.Token);
        IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);

        Assert.Equal(ServerState.Connected, reconnected.State);
        Assert.Equal("back", back.Text());
        Assert.Contains(tools, t => t.Name == "fixture__echo");
    }
}
