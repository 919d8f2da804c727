using System.Text.Json;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Limits;

/// <summary>
/// Rate and concurrency limits through the real gateway in front of the recording fixture: a profile rate_limit of
/// 60/min lets 60 calls through and refuses the 61st with -31055 and a retry hint (on a fake clock: the minute passes
/// without waiting); max_concurrent_operations 2 never lets a third call reach the server, refused at once or queued;
/// per-user limits keep users apart; a reload keeps the permits of calls in flight.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class LimitsGatewayTests
{
    [Fact]
    public async Task RateLimit60_Allows60Calls_Refuses61stWithRetryHint_ThenRefillsOnTheClock()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var clock = new FakeTimeProvider();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("""{ "rate_limit": 60 }""", "", cts.Token, clock);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        for (int i = 0; i < 60; i++)
        {
            CallToolResult ok = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", $"call {i}")), cancellationToken: cts.Token);
            Assert.NotEqual(true, ok.IsError);
        }

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "call 60")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.RateLimited, refused.ErrorCode);
        Assert.Contains("60 calls per minute", refused.Message, StringComparison.Ordinal);
        JsonElement data = (JsonElement)client.Wire.Snapshot().OfType<JsonRpcError>().Last().Error.Data!;
        Assert.Equal("servers.fixture.security_profile.rate_limit", data.GetProperty(GatewayErrors.RuleField).GetString());
        Assert.Equal("limits", data.GetProperty(GatewayErrors.FilterField).GetString());
        int retryAfter = data.GetProperty(GatewayErrors.RetryAfterSecondsField).GetInt32();
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(60, gateway.CallsReceived("echo"));

        // The hint holds: after that many seconds on the gateway's clock, one more call passes.
        clock.Advance(TimeSpan.FromSeconds(retryAfter));
        CallToolResult after = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "after the wait")), cancellationToken: cts.Token);
        Assert.NotEqual(true, after.IsError);
        Assert.Equal(61, gateway.CallsReceived("echo"));
    }

    [Fact]
    public async Task MaxConcurrent2_NoQueue_ThirdCallRefusedAtOnce_NeverReachesTheServer()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("""{ "max_concurrent_operations": 2 }""", "", cts.Token);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        Task<CallToolResult> first = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 3)), cancellationToken: cts.Token).AsTask();
        Task<CallToolResult> second = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 3)), cancellationToken: cts.Token).AsTask();
        await Eventually.WaitUntilAsync(() => gateway.Events().Count(e => e.StartsWith("started ", StringComparison.Ordinal)) == 2, "two slow calls run on the fixture", cts.Token);

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 3)), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ConcurrencyLimited, refused.ErrorCode);
        JsonElement data = (JsonElement)client.Wire.Snapshot().OfType<JsonRpcError>().Last().Error.Data!;
        Assert.Equal("servers.fixture.security_profile.max_concurrent_operations", data.GetProperty(GatewayErrors.RuleField).GetString());
        Assert.True(data.GetProperty(GatewayErrors.RetryAfterSecondsField).GetInt32() >= 1);
        await Task.WhenAll(first, second);
        Assert.Equal(2, gateway.CallsReceived("slow"));

        // The slots came back exactly once each: two more run together.
        await Task.WhenAll(
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 0.2)), cancellationToken: cts.Token).AsTask(),
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 0.2)), cancellationToken: cts.Token).AsTask());
        Assert.Equal(2, gateway.PeakInFlight());
    }

    [Fact]
    public async Task MaxConcurrent2_WithQueue_EightCallsAllFinish_PeakOnTheServerIsTwo()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("""{ "max_concurrent_operations": 2 }""", """ "limits": { "queue": { "size": 10, "timeout": 30 } } """, cts.Token);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        CallToolResult[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 0.3)), cancellationToken: cts.Token).AsTask()));

        Assert.All(results, r => Assert.NotEqual(true, r.IsError));
        Assert.Equal(8, gateway.CallsReceived("slow"));
        Assert.Equal(2, gateway.PeakInFlight());
    }

    [Fact]
    public async Task QueuedCall_CallerCancels_LeavesTheQueueAndTheSlotsStayRight()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("""{ "max_concurrent_operations": 1 }""", """ "limits": { "queue": { "size": 5, "timeout": 60 } } """, cts.Token);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        Task<CallToolResult> running = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 2)), cancellationToken: cts.Token).AsTask();
        await Eventually.WaitUntilAsync(() => gateway.Events().Any(e => e.StartsWith("started ", StringComparison.Ordinal)), "the first call runs", cts.Token);

        using var caller = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        Task<CallToolResult> queued = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 0.1)), cancellationToken: caller.Token).AsTask();
        await Eventually.WaitUntilAsync(() => gateway.Host.Gateway.GetOperationsInFlight().Count == 2, "the second call waits in the gateway", cts.Token);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await running;

        // The cancelled call never reached the server and holds no slot: the next call runs at once.
        CallToolResult next = await client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 0.1)), cancellationToken: cts.Token);
        Assert.NotEqual(true, next.IsError);
        Assert.Equal(2, gateway.CallsReceived("slow"));
        await Eventually.WaitUntilAsync(() => gateway.Host.Gateway.GetOperationsInFlight().Count == 0, "nothing is left in flight", cts.Token);
    }

    [Fact]
    public async Task PerUserLimit_OneUserRefused_AnotherKeepsWorking_LibraryCalls()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var clock = new FakeTimeProvider();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("{}", """ "limits": { "per_user": { "calls_per_minute": 3 } } """, cts.Token, clock);
        var args = new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("hi") };

        for (int i = 0; i < 3; i++)
        {
            Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", args, "alice", cts.Token)).Succeeded);
        }

        var refused = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", args, "alice", cts.Token);
        var bob = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", args, "bob", cts.Token);

        Assert.Equal(GatewayErrorCodes.RateLimited, refused.ErrorCode);
        Assert.Contains("user 'alice'", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("limits.per_user.calls_per_minute", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.True(bob.Succeeded);
        Assert.Equal(4, gateway.CallsReceived("echo"));
    }

    [Fact]
    public async Task ToolLimit_AppliesToThatToolOnly()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("{}", """ "limits": { "tools": { "fixture__add": { "calls_per_minute": 1 } } } """, cts.Token, new FakeTimeProvider());

        var add = new Dictionary<string, JsonElement> { ["a"] = JsonSerializer.SerializeToElement(1), ["b"] = JsonSerializer.SerializeToElement(2) };
        var echo = new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("hi") };
        Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__add", add, "alice", cts.Token)).Succeeded);
        var refused = await gateway.Host.Gateway.ExecuteToolAsync("fixture__add", add, "bob", cts.Token);
        Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", echo, "alice", cts.Token)).Succeeded);

        Assert.Equal(GatewayErrorCodes.RateLimited, refused.ErrorCode);
        Assert.Contains("limits.tools.fixture__add.calls_per_minute", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, gateway.CallsReceived("add"));
    }

    [Fact]
    public async Task Reload_UnchangedServerLimit_KeepsThePermitsOfCallsInFlight()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await LimitsGateway.StartAsync("""{ "max_concurrent_operations": 2 }""", "", cts.Token);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        Task<CallToolResult> first = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 3)), cancellationToken: cts.Token).AsTask();
        Task<CallToolResult> second = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 3)), cancellationToken: cts.Token).AsTask();
        await Eventually.WaitUntilAsync(() => gateway.Events().Count(e => e.StartsWith("started ", StringComparison.Ordinal)) == 2, "two slow calls run on the fixture", cts.Token);

        // A reload that changes another limit (a new snapshot, new limiters) keeps the server's limiter and its two permits.
        string directory = Path.GetDirectoryName(gateway.EventsFile)!;
        var reloaded = await gateway.Host.Gateway.ReloadConfigurationAsync(
            LimitsGateway.Load(directory, """{ "max_concurrent_operations": 2 }""", """ "limits": { "tools": { "fixture__add": { "calls_per_minute": 5 } } } """),
            cts.Token);
        Assert.Empty(reloaded.ServersRestarted);

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 3)), cancellationToken: cts.Token).AsTask());
        Assert.Equal((McpErrorCode)GatewayErrorCodes.ConcurrencyLimited, refused.ErrorCode);
        await Task.WhenAll(first, second);
        Assert.Equal(2, gateway.CallsReceived("slow"));
    }
}
