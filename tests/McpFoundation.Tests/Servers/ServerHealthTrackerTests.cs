using McpFoundation.Servers;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.Tests.Servers;

[Trait("Category", "Unit")]
public sealed class ServerHealthTrackerTests
{
    [Fact]
    public void Report_StateOrErrorChanges_ReportedOnceEachInOrder()
    {
        var time = new FakeTimeProvider();
        var changes = new List<(ServerState Previous, ServerState State, string? Error)>();
        var tracker = new ServerHealthTracker("s", enabled: true, time, (previous, current) => changes.Add((previous, current.State, current.ErrorMessage)));

        tracker.Report(ServerState.Connecting);
        tracker.Report(ServerState.Connected, null, TimeSpan.FromMilliseconds(5));
        tracker.Report(ServerState.Connected);
        tracker.Report(ServerState.Failed, "Ping failed: a");
        tracker.Report(ServerState.Failed, "Ping failed: b");

        Assert.Equal(
            [(ServerState.Connecting, ServerState.Connected, null), (ServerState.Connected, ServerState.Failed, "Ping failed: a"), (ServerState.Failed, ServerState.Failed, "Ping failed: b")],
            changes);
    }

    [Fact]
    public void Report_ConnectedWithoutLatency_KeepsLastLatencyAndStampsTheTime()
    {
        var time = new FakeTimeProvider();
        var tracker = new ServerHealthTracker("s", enabled: true, time, static (_, _) => { });
        tracker.Report(ServerState.Connected, null, TimeSpan.FromMilliseconds(5));
        time.Advance(TimeSpan.FromMinutes(1));

        tracker.Report(ServerState.Connected);

        Assert.Equal(TimeSpan.FromMilliseconds(5), tracker.Current.Latency);
        Assert.Equal(time.GetUtcNow(), tracker.Current.CheckedAt);
    }

    [Fact]
    public void Current_DisabledServer_StartsDisabled()
    {
        var tracker = new ServerHealthTracker("s", enabled: false, new FakeTimeProvider(), static (_, _) => { });

        Assert.Equal(ServerState.Disabled, tracker.Current.State);
    }
}
