using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Servers;
using McpFoundation.Tools;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>
/// The health loop checks every server at once: a server that hangs (it never answers a ping) delays neither the
/// checks of a healthy server nor the reconnect of a crashed one, and its own check is not started again while it runs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ParallelHealthCheckTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly string _workDirectory = Directory.CreateTempSubdirectory("mcpf-health-").FullName;

    private string PingsFile => Path.Combine(_workDirectory, "hung-events.txt");

    [Fact]
    public async Task HealthLoop_OneServerHangs_OthersCheckedAndCrashedOneReconnected()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();

        // "hung" comes first, so a loop that checked one server after another would wait on it before the others.
        ServerDefinition hung = TestServers.Fixture("hung", "--stall-pings") with
        {
            Timeout = TimeSpan.FromMinutes(10),
            Env = new Dictionary<string, string> { ["FIXTURE_EVENTS_FILE"] = PingsFile },
        };
        GatewayConfiguration configuration = TestServers.Configuration(hung, TestServers.Fixture("healthy"), TestServers.Fixture("crashing"));
        configuration = configuration with { Settings = configuration.Settings with { HealthCheckInterval = Interval } };
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(configuration);
        ServerManager servers = gateway.ServerManager;
        var crashed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        servers.ServerHealthChanged += (_, e) =>
        {
            if (e.Current.ServerId == "crashing" && e.Current.State == ServerState.Failed)
            {
                crashed.TrySetResult();
            }
            else if (e.Current.ServerId == "crashing" && e.Current.State == ServerState.Connected && crashed.Task.IsCompleted)
            {
                reconnected.TrySetResult();
            }
        };
        await gateway.InitializeAsync(cts.Token);

        await Eventually.WaitUntilAsync(() => Pings() == 1, "the hung server receives the first health check's ping", cts.Token);
        DateTimeOffset hungPinged = TimeProvider.System.GetUtcNow();
        await Eventually.WaitUntilAsync(() => Health(servers, "healthy").CheckedAt > hungPinged, "the healthy server is checked while the hung one's ping waits", cts.Token);

        ToolCallOutcome exiting = await gateway.ExecuteToolAsync("crashing__exit", Arguments(("code", 3)), "user123", cts.Token);
        await crashed.Task.WaitAsync(cts.Token);
        await reconnected.Task.WaitAsync(cts.Token);
        ToolCallOutcome back = await gateway.ExecuteToolAsync("crashing__echo", Arguments(("message", "back")), "user123", cts.Token);
        DateTimeOffset afterReconnect = TimeProvider.System.GetUtcNow();
        await Eventually.WaitUntilAsync(() => Health(servers, "healthy").CheckedAt > afterReconnect, "the healthy server is still checked every interval", cts.Token);

        Assert.True(exiting.Succeeded);
        Assert.Equal("back", back.Result!.Text());
        Assert.Equal(ServerState.Connected, Health(servers, "healthy").State);

        // Many intervals went by, and the hung server's one check is still waiting for its ping: it was not started again.
        Assert.Equal(ServerState.Connected, Health(servers, "hung").State);
        Assert.Equal(1, Pings());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static ServerHealth Health(ServerManager servers, string serverId) => servers.GetHealth().Single(h => h.ServerId == serverId);

    private int Pings() => File.Exists(PingsFile) ? File.ReadAllLines(PingsFile).Count(l => l.StartsWith("ping ", StringComparison.Ordinal)) : 0;

    private static Dictionary<string, JsonElement> Arguments(params (string Name, object Value)[] values) =>
        values.ToDictionary(v => v.Name, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal);
}
