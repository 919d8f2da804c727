using McpFoundation.Configuration;
using McpFoundation.Servers;

namespace McpFoundation.Tests.Security;

[Trait("Category", "Security")]
public sealed class SecretRedactionTests
{
    private const string Secret = "sk-live-0123456789abcdef";

    [Fact]
    public async Task InitializeAsync_StdioServerFailsToStart_HealthErrorOmitsArguments()
    {
        var configuration = new GatewayConfiguration
        {
            Servers = new Dictionary<string, ServerDefinition>
            {
                ["broken"] = new() { Name = "broken", Transport = ServerTransport.Stdio, Command = ["/nonexistent/mcp-server", "--api-key", Secret] },
            },
        };
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(configuration);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await gateway.InitializeAsync(timeout.Token);

        ServerHealth health = Assert.Single(gateway.ServerManager.GetHealth());
        Assert.Equal(ServerState.Failed, health.State);
        Assert.Contains("/nonexistent/mcp-server (+2 arguments)", health.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, health.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void DisplayTarget_UrlWithCredentialsAndQuery_KeepsOnlySchemeHostAndPath()
    {
        var definition = new ServerDefinition { Name = "remote", Transport = ServerTransport.Http, Url = new Uri($"https://user:{Secret}@api.example.com/mcp?token={Secret}#x") };

        Assert.Equal("https://api.example.com/mcp", definition.DisplayTarget);
    }
}
