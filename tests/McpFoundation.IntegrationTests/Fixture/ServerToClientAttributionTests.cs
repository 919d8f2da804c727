using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Sessions;
using McpFoundation.Servers;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Fixture;

/// <summary>
/// Server-to-client requests that arrive while no client call is in flight on the server (server-filesystem asks for
/// roots right after initialization): roots get the gateway's own answer, no roots; sampling is refused.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ServerToClientAttributionTests(FixtureGateway gateway) : IClassFixture<FixtureGateway>
{
    [Fact]
    public async Task ListRoots_NoCallInFlight_AnsweredWithNoRoots()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        Assert.True(gateway.Host.ServerManager.TryGetServer("paged", out DownstreamServer server));
        Assert.Empty(server.InFlightCalls);

        ListRootsResult roots = await gateway.Host.Services.GetRequiredService<ClientBridge>().ListRootsAsync(server, new ListRootsRequestParams(), cts.Token);

        Assert.Empty(roots.Roots);
    }

    [Fact]
    public async Task Sample_NoCallInFlight_RefusedAsNotRoutable()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        Assert.True(gateway.Host.ServerManager.TryGetServer("paged", out DownstreamServer server));
        var request = new CreateMessageRequestParams { Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "hi" }] }], MaxTokens = 10 };

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            gateway.Host.Services.GetRequiredService<ClientBridge>().SampleAsync(server, request, cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ClientRequestNotRoutable, ex.ErrorCode);
    }
}
