using System.Collections.Concurrent;
using System.Text.Json;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Servers;
using McpFoundation.Tools;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>
/// <see cref="ServerManager.ServerHealthChanged"/> is raised on the gateway's event worker: a subscriber that blocks
/// delays no call and no health check, and still gets every change of a server in order once it goes on.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HealthEventTests
{
    [Fact]
    public async Task ServerHealthChanged_SubscriberBlocks_CallsAndHealthChecksStillComplete()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(
            TestServers.Configuration(TestServers.Fixture("fixture"), TestServers.Fixture("other")));
        using var gate = new ManualResetEventSlim(initialState: false);
        var blocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnectedRaised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var raised = new ConcurrentQueue<(string ServerId, ServerState Previous, ServerState State)>();
        gateway.ServerManager.ServerHealthChanged += (_, e) =>
        {
            raised.Enqueue((e.Current.ServerId, e.Previous, e.Current.State));
            if (e.Current.State == ServerState.Failed)
            {
                // A subscriber that stops dead on the first failure, until the test lets it go.
                blocking.TrySetResult();
                gate.Wait(cts.Token);
            }

            if (e.Current.ServerId == "fixture" && e.Previous == ServerState.Connecting && raised.Any(r => r.State == ServerState.Failed))
            {
                reconnectedRaised.TrySetResult();
            }
        };
        gateway.ServerManager.ServerHealthChanged += (_, _) => throw new InvalidOperationException("a subscriber that throws");
        await gateway.InitializeAsync(cts.Token);

        ToolCallOutcome exiting;
        ToolCallOutcome other;
        ServerHealth otherHealth;
        ServerHealth reconnected;
        ToolCallOutcome back;
        try
        {
            exiting = await gateway.ExecuteToolAsync("fixture__exit", Arguments(("code", 3)), "user123", cts.Token);
            await blocking.Task.WaitAsync(cts.Token);

            // The subscriber is stuck on "fixture failed"; the gateway goes on without it.
            other = await gateway.ExecuteToolAsync("other__echo", Arguments(("message", "still here")), "user123", cts.Token);
            otherHealth = await gateway.ServerManager.CheckServerHealthAsync("other", cts.Token);
            reconnected = await gateway.ServerManager.CheckServerHealthAsync("fixture", cts.Token);
            back = await gateway.ExecuteToolAsync("fixture__echo", Arguments(("message", "back")), "user123", cts.Token);
        }
        finally
        {
            gate.Set();
        }

        await reconnectedRaised.Task.WaitAsync(cts.Token);

        Assert.True(exiting.Succeeded);
        Assert.Equal("still here", other.Result!.Text());
        Assert.Equal(ServerState.Connected, otherHealth.State);
        Assert.Equal(ServerState.Connected, reconnected.State);
        Assert.Equal("back", back.Result!.Text());
        Assert.Equal(
            [(ServerState.Connecting, ServerState.Connected), (ServerState.Connected, ServerState.Failed), (ServerState.Failed, ServerState.Connecting), (ServerState.Connecting, ServerState.Connected)],
            raised.Where(r => r.ServerId == "fixture").Select(r => (r.Previous, r.State)));
        Assert.Equal([(ServerState.Connecting, ServerState.Connected)], raised.Where(r => r.ServerId == "other").Select(r => (r.Previous, r.State)));
    }

    private static Dictionary<string, JsonElement> Arguments(params (string Name, object Value)[] values) =>
        values.ToDictionary(v => v.Name, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal);
}
