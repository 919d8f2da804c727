using System.Collections.Concurrent;
using System.Text.Json;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.IntegrationTests.Limits;
using McpFoundation.Pipeline;
using McpFoundation.Security.Adaptive;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Adaptive;

/// <summary>
/// The adaptive response through the real gateway in front of the recording fixture (its read_file behind a profile
/// with allowed_paths): a burst of path-traversal calls from one user, each refused by the argument checks, escalates
/// that user to quarantine (-31057, why, until when, how to release) while another user keeps working; the quarantine
/// decays on the configured schedule (a fake clock); an operator's release, from this process or another one on the
/// same data directory, ends it.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class AdaptiveGatewayTests
{
    private const string Adaptive = """
        "adaptive": { "warn_at": 3, "ask_at": 0, "throttle_at": 0, "quarantine_at": 15, "quarantine_for": 300, "warn_for": 60, "half_life": 60 }
        """;

    private static readonly Dictionary<string, JsonElement> Echo = new() { ["message"] = JsonSerializer.SerializeToElement("still working") };

    private static Dictionary<string, JsonElement> Traversal(int i) => new() { ["path"] = JsonSerializer.SerializeToElement($"../../../../etc/passwd{new string('/', i % 2)}") };

    [Fact]
    public async Task TraversalBurst_QuarantinesThatUser_OtherUserWorks_DecaysOnSchedule()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var clock = new FakeTimeProvider();
        await using LimitsGateway gateway = await StartAsync(clock, cts.Token);
        var changes = new ConcurrentQueue<EscalationChangedEventArgs>();
        gateway.Host.Gateway.EscalationChanged += (_, e) => changes.Enqueue(e);

        // Five traversal attempts, each refused by the argument checks (3 points each): 15 reaches quarantine.
        for (int i = 0; i < 5; i++)
        {
            var denied = await gateway.Host.Gateway.ExecuteToolAsync("fixture__read_file", Traversal(i), "mallory", cts.Token);
            Assert.Equal(GatewayErrorCodes.ArgumentRejected, denied.ErrorCode);
        }

        var quarantined = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token);
        var other = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "alice", cts.Token);

        Assert.Equal(GatewayErrorCodes.Quarantined, quarantined.ErrorCode);
        Assert.Contains("User 'mallory' is quarantined", quarantined.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("mcpf release user:mallory", quarantined.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("-31041", quarantined.ErrorMessage, StringComparison.Ordinal);
        Assert.True(other.Succeeded);
        Assert.Equal(0, gateway.CallsReceived("read_file"));
        Assert.Equal(1, gateway.CallsReceived("echo")); // alice's; mallory's never reached the server
        Escalation escalation = Assert.Single(Users(gateway));
        Assert.Equal(("user:mallory", EscalationLevel.Quarantine), (escalation.Subject, escalation.Level));
        Assert.Contains(gateway.Host.Gateway.GetEscalations(), e => e is { Subject: "server:fixture", Level: EscalationLevel.Warn }); // the server's own score
        Assert.Equal(clock.GetUtcNow().AddSeconds(300), escalation.Until);

        // Before the hold ends it holds; once it ends the score (15 halved five times) is below every step.
        clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(GatewayErrorCodes.Quarantined, (await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token)).ErrorCode);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(gateway.Host.Gateway.GetEscalations());  // the server's warn decayed too
        Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token)).Succeeded);

        await Eventually.WaitUntilAsync(() => changes.Any(c => c.Kind == "deescalated" && c.Escalation.Subject == "user:mallory"), "the step down was raised", cts.Token);
        Assert.Equal(
            [("escalated", EscalationLevel.None, EscalationLevel.Warn), ("escalated", EscalationLevel.Warn, EscalationLevel.Quarantine), ("deescalated", EscalationLevel.Quarantine, EscalationLevel.None)],
            changes.Where(c => c.Escalation.Subject == "user:mallory").Select(c => (c.Kind, c.Previous, c.Escalation.Level)).ToArray());
    }

    [Fact]
    public async Task Quarantine_OverHttp_ErrorDataNamesSubjectAndUntil()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await StartAsync(new FakeTimeProvider(), cts.Token, HeaderAuthenticationHandler.AddTo);
        await using TestClient mallory = await ConnectAsAsync(gateway, "mallory", cts.Token);
        await using TestClient alice = await ConnectAsAsync(gateway, "alice", cts.Token);

        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<McpProtocolException>(() => mallory.Client.CallToolAsync("fixture__read_file", Results.Args(("path", "../../../../etc/shadow")), cancellationToken: cts.Token).AsTask());
        }

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            mallory.Client.CallToolAsync("fixture__echo", Results.Args(("message", "hi")), cancellationToken: cts.Token).AsTask());
        CallToolResult ok = await alice.Client.CallToolAsync("fixture__echo", Results.Args(("message", "hi")), cancellationToken: cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.Quarantined, refused.ErrorCode);
        JsonElement data = (JsonElement)mallory.Wire.Snapshot().OfType<JsonRpcError>().Last().Error.Data!;
        Assert.Equal("user:mallory", data.GetProperty(AdaptiveFilter.SubjectField).GetString());
        Assert.Equal("adaptive", data.GetProperty(GatewayErrors.FilterField).GetString());
        Assert.True(DateTimeOffset.TryParse(data.GetProperty(AdaptiveFilter.UntilField).GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.NotEqual(true, ok.IsError);
        Assert.Equal(1, gateway.CallsReceived("echo"));
    }

    [Fact]
    public async Task LibraryRelease_EndsTheQuarantineAtOnce()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await StartAsync(new FakeTimeProvider(), cts.Token);
        await QuarantineAsync(gateway, "mallory", cts.Token);

        IReadOnlyList<string> released = await gateway.Host.Gateway.ReleaseEscalationAsync("mallory", "ops", "false alarm", cts.Token);

        Assert.Equal(["user:mallory"], released);
        Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token)).Succeeded);
        Assert.Empty(Users(gateway));
    }

    [Fact]
    public async Task ReleaseFromAnotherProcess_ThroughTheDataDirectory_GatewayNoticesWithinASecond()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await StartAsync(null, cts.Token);
        await QuarantineAsync(gateway, "mallory", cts.Token);

        // What `mcpf release` does: its own store on the same data directory. Escalations are written through a queue,
        // step by step (warn, then ask, ...), so wait until the quarantine itself is stored.
        await Eventually.WaitUntilAsync(() => EscalationStore.ListAsync(gateway.Configuration, cts.Token).GetAwaiter().GetResult().Any(e => e.Subject == "user:mallory" && e.Level == EscalationLevel.Quarantine), "the quarantine is in the state store", cts.Token);
        Escalation stored = Assert.Single(await EscalationStore.ListAsync(gateway.Configuration, cts.Token), e => e.Subject.StartsWith("user:", StringComparison.Ordinal));
        Assert.Equal(("user:mallory", EscalationLevel.Quarantine), (stored.Subject, stored.Level));
        IReadOnlyList<string> released = await EscalationStore.ReleaseAsync(gateway.Configuration, "user:mallory", "ops", "checked", cts.Token);
        Assert.Equal(["user:mallory"], released);

        DateTimeOffset releasedAt = DateTimeOffset.UtcNow;
        await Eventually.WaitUntilAsync(() => Users(gateway).Count == 0, "the gateway noticed the release", cts.Token);
        Assert.True(DateTimeOffset.UtcNow - releasedAt < TimeSpan.FromSeconds(3), "noticed within about a second");
        Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token)).Succeeded);
    }

    [Fact]
    public async Task ThrottleStep_OneTraversal_CallerKeepsTheThrottleRate_OthersUnlimited()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await StartAsync(new FakeTimeProvider(), cts.Token, sections: """
            "adaptive": { "warn_at": 0, "ask_at": 0, "throttle_at": 3, "quarantine_at": 0, "throttle_calls_per_minute": 2 }
            """);
        await gateway.Host.Gateway.ExecuteToolAsync("fixture__read_file", Traversal(0), "mallory", cts.Token);

        var first = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token);
        var second = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token);
        var third = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token);
        var other = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "alice", cts.Token);

        Assert.True(first.Succeeded && second.Succeeded && other.Succeeded);
        Assert.Equal(GatewayErrorCodes.RateLimited, third.ErrorCode);
        Assert.Contains("throttled by the adaptive response to 2 calls per minute", third.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(3, gateway.CallsReceived("echo"));
    }

    [Fact]
    public async Task AskStep_RiskyToolNeedsApproval_ReadsGoOn()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await StartAsync(new FakeTimeProvider(), cts.Token, sections: """
            "adaptive": { "warn_at": 0, "ask_at": 3, "throttle_at": 0, "quarantine_at": 0 }
            """);
        await gateway.Host.Gateway.ExecuteToolAsync("fixture__read_file", Traversal(0), "mallory", cts.Token);

        var risky = await gateway.Host.Gateway.ExecuteToolAsync("fixture__run_command", new Dictionary<string, JsonElement> { ["command"] = JsonSerializer.SerializeToElement("ls") }, "mallory", cts.Token);
        var read = await gateway.Host.Gateway.ExecuteToolAsync("fixture__cwd", null, "mallory", cts.Token); // read-only by its annotations
        var echo = await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token); // unclassifiable: counts as write

        // A library call cannot be asked: the approval is unavailable, and the server received nothing.
        Assert.Equal(GatewayErrorCodes.ApprovalUnavailable, risky.ErrorCode);
        Assert.True(read.Succeeded);
        Assert.Equal(GatewayErrorCodes.ApprovalUnavailable, echo.ErrorCode);
        Assert.Equal(0, gateway.CallsReceived("run_command") + gateway.CallsReceived("echo"));
    }

    [Fact]
    public async Task CallRateSpike_AgainstTheUsersBaseline_RaisesAWarnWithTheSpikeAsReason()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using LimitsGateway gateway = await StartAsync(new FakeTimeProvider(), cts.Token, sections: """
            "adaptive": { "warn_at": 3, "ask_at": 0, "throttle_at": 0, "quarantine_at": 0, "spike_min_calls": 10, "spike_factor": 5 }
            """);
        var changes = new ConcurrentQueue<EscalationChangedEventArgs>();
        gateway.Host.Gateway.EscalationChanged += (_, e) => changes.Enqueue(e);

        for (int i = 0; i < 10; i++)
        {
            Assert.True((await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "burst", cts.Token)).Succeeded);
        }

        Escalation warn = Assert.Single(Users(gateway));
        Assert.Equal(("user:burst", EscalationLevel.Warn), (warn.Subject, warn.Level));
        Assert.Contains("call-rate spike: 10 calls this minute", warn.Reason, StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => changes.Any(c => c.Escalation.Subject == "user:burst"), "the escalation was raised", cts.Token);
    }

    [Fact]
    public async Task Restart_WhileQuarantined_StaysQuarantinedUntilReleased()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        LimitsGateway first = await StartAsync(null, cts.Token);
        string directory = first.WorkDirectory;
        await using (first)
        {
            first.KeepDirectory = true;
            await QuarantineAsync(first, "mallory", cts.Token);
            await Eventually.WaitUntilAsync(() => EscalationStore.ListAsync(first.Configuration, cts.Token).GetAwaiter().GetResult().Any(e => e.Subject == "user:mallory"), "the escalation is in the state store", cts.Token);
        }

        await using LimitsGateway second = await StartAsync(null, cts.Token, directory: directory);
        await second.Host.Services.GetRequiredService<AdaptiveResponse>().Restored;

        var refused = await second.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token);
        Assert.Equal(GatewayErrorCodes.Quarantined, refused.ErrorCode);
        Assert.Equal(["user:mallory"], await second.Host.Gateway.ReleaseEscalationAsync("user:mallory", "ops", null, cts.Token));
        Assert.True((await second.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, "mallory", cts.Token)).Succeeded);
    }

    private static List<Escalation> Users(LimitsGateway gateway) =>
        [.. gateway.Host.Gateway.GetEscalations().Where(static e => e.Subject.StartsWith("user:", StringComparison.Ordinal))];

    private static async Task QuarantineAsync(LimitsGateway gateway, string user, CancellationToken cancellationToken)
    {
        // Six: on a real clock the score decays a little between the calls, and five would end just under 15.
        for (int i = 0; i < 6; i++)
        {
            await gateway.Host.Gateway.ExecuteToolAsync("fixture__read_file", Traversal(i), user, cancellationToken);
        }

        Assert.Equal(GatewayErrorCodes.Quarantined, (await gateway.Host.Gateway.ExecuteToolAsync("fixture__echo", Echo, user, cancellationToken)).ErrorCode);
    }

    private static Task<LimitsGateway> StartAsync(TimeProvider? timeProvider, CancellationToken cancellationToken, Action<IServiceCollection>? services = null, string sections = Adaptive, string? directory = null)
    {
        string safe = Directory.CreateTempSubdirectory("mcpf-adaptive-safe-").FullName;
        File.WriteAllText(Path.Combine(safe, "notes.txt"), "notes");
        return LimitsGateway.StartAsync(
            $$"""{ "allowed_paths": [{{JsonSerializer.Serialize(safe)}}] }""",
            sections,
            cancellationToken,
            timeProvider,
            services,
            fixtureArguments: ["--sensitive-tools"],
            directory: directory);
    }

    private static async Task<TestClient> ConnectAsAsync(LimitsGateway gateway, string user, CancellationToken cancellationToken)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = gateway.Host.McpEndpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { [HeaderAuthenticationHandler.UserHeader] = user },
            },
            gateway.Host.LoggerFactory);
        var wire = new WireRecorder();
        McpClient client = await McpClient.CreateAsync(
            wire.Wrap(transport),
            new McpClientOptions { ProtocolVersion = GatewayHost.ClientProtocolVersion },
            gateway.Host.LoggerFactory,
            cancellationToken);
        return new TestClient(client, wire, null);
    }
}
