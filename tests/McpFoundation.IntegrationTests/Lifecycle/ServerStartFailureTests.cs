using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>
/// A stdio server that cannot start says why, through the real gateway: its exit code and last stderr line (or that
/// its command does not exist) in /healthz and in the error a call gets; and secrets it prints are not repeated.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ServerStartFailureTests
{
    private const string SecretValue = "sk-test-0123456789abcdef";

    [Fact]
    public async Task Healthz_ServerExitsAtStart_ShowsExitCodeAndStderr()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using GatewayHost host = await GatewayHost.StartAsync(TestServers.Configuration(Boom(), TestServers.Fixture("fixture")), cts.Token);
        using var http = new HttpClient();

        using JsonDocument body = JsonDocument.Parse(await http.GetStringAsync(new Uri(host.BaseAddress, "/healthz"), cts.Token));
        JsonElement boom = body.RootElement.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "boom");
        string error = boom.GetProperty("error").GetString()!;

        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Failed", boom.GetProperty("state").GetString());
        Assert.Contains("exited with code 3", error, StringComparison.Ordinal);
        Assert.Contains("boom: missing API key", error, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_ServerExitedAtStart_UnavailableWithExitCodeAndStderr(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using GatewayHost host = await GatewayHost.StartAsync(TestServers.Configuration(Boom(), TestServers.Fixture("fixture")), cts.Token);
        await using TestClient client = await host.ConnectAsync(front, cts.Token);

        McpProtocolException unavailable = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("boom__anything", Results.Args(("message", "hi")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ServerUnavailable, unavailable.ErrorCode);
        Assert.Contains("'boom'", unavailable.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", unavailable.Message, StringComparison.Ordinal);
        Assert.Contains("boom: missing API key", unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_CommandDoesNotExist_SaysNotFoundAndWhichSetting()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var missing = new ServerDefinition { Name = "missing", Transport = ServerTransport.Stdio, Command = ["/nonexistent/mcp-server", "--token", SecretValue] };
        await using GatewayHost host = await GatewayHost.StartAsync(TestServers.Configuration(missing), cts.Token);

        ServerHealth health = host.ServerManager.GetHealth().Single();

        Assert.Equal(ServerState.Failed, health.State);
        Assert.Contains("'/nonexistent/mcp-server' was not found", health.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("servers.missing.command", health.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, health.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_WorkingDirectoryDoesNotExist_SaysWhichSetting()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        ServerDefinition fixture = TestServers.Fixture("nowhere") with { Cwd = Path.Combine(Path.GetTempPath(), $"mcpf-missing-{Guid.NewGuid():N}") };
        await using GatewayHost host = await GatewayHost.StartAsync(TestServers.Configuration(fixture), cts.Token);

        ServerHealth health = host.ServerManager.GetHealth().Single();

        Assert.Equal(ServerState.Failed, health.State);
        Assert.Contains("does not exist", health.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("servers.nowhere.cwd", health.ErrorMessage, StringComparison.Ordinal);
    }

    /// <summary>Writes the reason (and a secret it was given) to stderr and exits 3 before reading anything.</summary>
    private static ServerDefinition Boom() => new()
    {
        Name = "boom",
        Transport = ServerTransport.Stdio,
        Command = ["sh", "-c", "echo \"using key $API_KEY\" >&2; echo boom: missing API key >&2; exit 3"],
        Env = new Dictionary<string, string> { ["API_KEY"] = SecretValue },
    };
}
