using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>One health check of a server at a time; it belongs to the server, not to whoever asked for it.</summary>
[Trait("Category", "Integration")]
public sealed class ServerHealthMonitorTests
{
    [Fact]
    public async Task CheckAsync_CheckRunning_JoinedNotRestartedAndOutlivesACallerThatGivesUp()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();

        // A process that never answers initialize: the reconnect the check makes waits until the server is stopped.
        var definition = new ServerDefinition { Name = "silent", Transport = ServerTransport.Stdio, Command = ["sleep", "30"] };
        var health = new ServerHealthTracker("silent", enabled: true, TimeProvider.System, static (_, _) => { });
        var catalogue = new CatalogueFetcher("silent", NullLogger.Instance, static _ => { });
        await using var connection = new ServerConnection(
            "silent", definition, TimeSpan.FromMinutes(10), new ProgressRelay(NullLogger.Instance), static () => new McpClientOptions(), health, catalogue, NullLoggerFactory.Instance, NullLogger.Instance);
        var monitor = new ServerHealthMonitor(connection, health, enabled: true, TimeSpan.FromMinutes(10));
        using var givesUp = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);

        Task<ServerHealth> first = monitor.CheckAsync(cts.Token);
        Task<ServerHealth> joined = monitor.CheckAsync(cts.Token);
        Task<ServerHealth> impatient = monitor.CheckAsync(givesUp.Token);
        await givesUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        Assert.True(monitor.IsChecking);
        Assert.False(first.IsCompleted);
        Assert.False(joined.IsCompleted);

        await connection.StopAsync();
        await Task.WhenAll(first, joined).WaitAsync(cts.Token);

        Assert.False(monitor.IsChecking);
        Assert.Equal(ServerState.Stopped, health.Current.State);
        Assert.Equal(ServerState.Stopped, (await monitor.CheckAsync(cts.Token)).State);
    }
}
