using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpFoundation.Tests.Telemetry;

[Trait("Category", "Unit")]
public sealed class GatewayEventsTests
{
    [Fact]
    public async Task Post_SeveralEvents_RaisedInOrder()
    {
        await using var events = new GatewayEvents(NullLogger<GatewayEvents>.Instance);
        var raised = new List<int>();

        for (int i = 0; i < 100; i++)
        {
            events.Post(i, raised.Add);
        }

        await events.FlushAsync();

        Assert.Equal(Enumerable.Range(0, 100), raised);
    }

    [Fact]
    public async Task Post_SubscriberThrows_NextEventsAreStillRaised()
    {
        await using var events = new GatewayEvents(NullLogger<GatewayEvents>.Instance);
        var raised = new List<int>();

        events.Post(1, static _ => throw new InvalidOperationException("a broken subscriber"));
        events.Post(2, raised.Add);
        await events.FlushAsync();

        Assert.Equal([2], raised);
    }

    [Fact]
    public async Task Post_SubscriberBlocks_PostReturnsAtOnce()
    {
        await using var events = new GatewayEvents(NullLogger<GatewayEvents>.Instance);
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        events.Post(0, _ =>
        {
            started.TrySetResult();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        await started.Task;
        for (int i = 0; i < 1000; i++)
        {
            events.Post(i, static _ => { });
        }

        Task flushed = events.FlushAsync();
        Assert.False(flushed.IsCompleted);
        release.Set();
        await flushed;
    }
}
