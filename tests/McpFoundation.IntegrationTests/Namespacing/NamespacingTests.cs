using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Namespacing;

[Trait("Category", "Integration")]
public sealed class NamespacingTests
{
    [Fact]
    public async Task InitializeAsync_NamespacingNoneAndSameToolNames_ThrowsNamingBothServers()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(TestServers.Configuration(
            ToolNamespacing.None,
            TestServers.Fixture("alpha", "--name", "alpha"),
            TestServers.Fixture("beta", "--name", "beta")));

        ConfigurationException ex = await Assert.ThrowsAsync<ConfigurationException>(() => gateway.InitializeAsync(cts.Token));

        Assert.Contains("'echo'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'beta'", ex.Message, StringComparison.Ordinal);
        Assert.All(ex.Errors, e => Assert.Equal("namespacing", e.Path));
    }

    [Fact]
    public async Task CallTool_NamespacingNoneWithoutCollision_BareNamesRouteToTheirServers()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string directory = Directory.CreateTempSubdirectory("mcpf-it-ns-").FullName;
        try
        {
            await using GatewayHost host = await GatewayHost.StartAsync(
                TestServers.Configuration(ToolNamespacing.None, TestServers.Fixture("fixture"), TestServers.Filesystem(directory)), cts.Token);
            await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);

            IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);
            CallToolResult echo = await client.Client.CallToolAsync("echo", Results.Args(("message", "bare")), cancellationToken: cts.Token);
            CallToolResult allowed = await client.Client.CallToolAsync("list_allowed_directories", cancellationToken: cts.Token);

            Assert.Contains(tools, t => t.Name == "echo");
            Assert.Contains(tools, t => t.Name == "read_text_file");
            Assert.DoesNotContain(tools, t => t.Name.Contains("__", StringComparison.Ordinal));
            Assert.Equal("bare", echo.Text());
            Assert.Contains(directory, allowed.Text(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
