using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.Audit;
using McpFoundation.Emergency;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Emergency;

/// <summary>
/// The emergency stop through the real gateway and the real fixture: with 200 long calls in flight, a stop from each
/// channel refuses new calls at once, ends every call in flight with -31050 within the stop timeout (the fixture is
/// told to cancel each), lets no downstream result through, and a resume restores service; kill mode leaves no server
/// process alive (/proc); a gateway restarted on the same data directory comes up stopped.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class EmergencyStopTests
{
    private const int InFlight = 200;

    [Theory]
    [InlineData(EmergencyChannels.Library)]
    [InlineData(EmergencyChannels.AdminApi)]
    [InlineData(EmergencyChannels.Cli)]
    [InlineData(EmergencyChannels.StopFile)]
    public async Task Trigger_With200CallsInFlight_RefusesNewCallsEndsEveryCallAndResumeRestoresService(string channel)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var sink = new RecordingSink();
        await using EmergencyGateway gateway = await EmergencyGateway.StartAsync(cts.Token, sink: sink);
        var activated = new TaskCompletionSource<EmergencyActivatedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.Gateway.EmergencyActivated += (_, e) => activated.TrySetResult(e);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        Task<CallToolResult>[] calls = [.. Enumerable.Range(0, InFlight).Select(_ =>
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 120)), cancellationToken: cts.Token).AsTask())];
        await Eventually.WaitUntilAsync(() => gateway.Events("started ") >= InFlight, "every slow call reached the fixture", cts.Token);
        int callsReceived = gateway.Log.Count(RequestMethods.ToolsCall);

        var clock = Stopwatch.StartNew();
        await TriggerAsync(gateway, channel, "incident 42: suspected exfiltration", "alice", cts.Token);

        // Every call in flight ends with the emergency error, within the stop timeout (plus the channel's own latency).
        TimeSpan bound = gateway.Gateway.Configuration.Settings.EmergencyStopTimeout + ChannelLatency(channel);
        McpProtocolException[] errors = await Task.WhenAll(calls.Select(async call => await Assert.ThrowsAsync<McpProtocolException>(() => call)));
        TimeSpan lastAnswered = clock.Elapsed;
        Assert.True(lastAnswered < bound, $"The last call in flight was answered {lastAnswered.TotalMilliseconds:F0} ms after the trigger; the bound is {bound.TotalMilliseconds:F0} ms.");
        Assert.All(errors, e => Assert.Equal(GatewayErrorCodes.EmergencyStopped, (int)e.ErrorCode));
        Assert.All(errors, e => Assert.Contains("The gateway is stopped", e.Message, StringComparison.Ordinal));

        // A new call is refused at once and never reaches the fixture.
        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "after the stop")), cancellationToken: cts.Token).AsTask());
        Assert.Equal(GatewayErrorCodes.EmergencyStopped, (int)refused.ErrorCode);
        Assert.Contains("incident 42: suspected exfiltration", refused.Message, StringComparison.Ordinal);
        Assert.Contains(ExpectedInitiator(channel), refused.Message, StringComparison.Ordinal);
        Assert.Contains("mcpf resume", refused.Message, StringComparison.Ordinal);
        Assert.Equal(callsReceived, gateway.Log.Count(RequestMethods.ToolsCall));

        // The fixture was told to cancel every one of them (notifications/cancelled).
        await Eventually.WaitUntilAsync(() => gateway.Events("cancelled ") >= InFlight, "the fixture cancelled every slow call", cts.Token);
        Assert.Equal(InFlight, gateway.Log.Count(NotificationMethods.CancelledNotification));

        // Logged, audited and raised.
        EmergencyActivatedEventArgs raised = await activated.Task.WaitAsync(cts.Token);
        Assert.Equal(channel, raised.State.Channel);
        Assert.Equal(InFlight, raised.CancelledOperations);
        Assert.Contains(sink.Records, r => r.Kind == "emergency_activated" && r.Channel == channel);
        Assert.True(gateway.Gateway.IsEmergencyActive);

        await ResumeAsync(gateway, channel, cts.Token);
        await Eventually.WaitUntilAsync(() => !gateway.Gateway.IsEmergencyActive, "the gateway resumed", cts.Token);
        CallToolResult echo = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "back")), cancellationToken: cts.Token);
        Assert.Contains("back", echo.Text(), StringComparison.Ordinal);
        Assert.Contains(sink.Records, r => r.Kind == "emergency_resumed" && r.Reason == "contained");
        gateway.DeleteDirectory();
    }

    [Fact]
    public async Task KillServers_Trigger_KillsEveryServerProcessAndResumeStartsThemAgain()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using EmergencyGateway gateway = await EmergencyGateway.StartAsync(cts.Token, killServers: true);
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Stdio, cts.Token);
        Assert.NotEmpty(gateway.ServerProcesses());
        Task<CallToolResult>[] calls = [.. Enumerable.Range(0, 20).Select(_ =>
            client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 120)), cancellationToken: cts.Token).AsTask())];
        await Eventually.WaitUntilAsync(() => gateway.Events("started ") >= 20, "the slow calls reached the fixture", cts.Token);

        var clock = Stopwatch.StartNew();
        await gateway.Gateway.TriggerEmergencyStopAsync("kill everything", "bob", cts.Token);

        McpProtocolException[] errors = await Task.WhenAll(calls.Select(async call => await Assert.ThrowsAsync<McpProtocolException>(() => call)));
        Assert.All(errors, e => Assert.Equal(GatewayErrorCodes.EmergencyStopped, (int)e.ErrorCode));
        using (var withinTimeout = CancellationTokenSource.CreateLinkedTokenSource(cts.Token))
        {
            withinTimeout.CancelAfter(gateway.Gateway.Configuration.Settings.EmergencyStopTimeout);
            await Eventually.WaitUntilAsync(() => gateway.ServerProcesses().Count == 0, "no process of the server is left (/proc)", withinTimeout.Token);
        }

        Assert.True(clock.Elapsed < gateway.Gateway.Configuration.Settings.EmergencyStopTimeout);

        await gateway.Gateway.ResumeAsync("bob", "all clear", cts.Token);
        await Eventually.WaitUntilAsync(() => gateway.Gateway.ServerManager.GetHealth().Single().State == Servers.ServerState.Connected && gateway.ServerProcesses().Count > 0, "the server runs again", cts.Token);
        CallToolResult echo = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "alive")), cancellationToken: cts.Token);
        Assert.Contains("alive", echo.Text(), StringComparison.Ordinal);
        gateway.DeleteDirectory();
    }

    [Fact]
    public async Task Restart_WhileStopped_ComesUpStoppedUntilResumed()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string directory;
        await using (EmergencyGateway first = await EmergencyGateway.StartAsync(cts.Token))
        {
            directory = first.Directory;
            await first.Gateway.TriggerEmergencyStopAsync("before the restart", "carol", cts.Token);
        }

        await using EmergencyGateway second = await EmergencyGateway.StartAsync(cts.Token, directory: directory);
        Assert.True(second.Gateway.IsEmergencyActive);
        Assert.Equal("carol", second.Gateway.EmergencyState.Initiator);
        await using TestClient client = await second.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        int before = second.Log.Count(RequestMethods.ToolsCall);
        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "refused")), cancellationToken: cts.Token).AsTask());
        Assert.Equal(GatewayErrorCodes.EmergencyStopped, (int)refused.ErrorCode);
        Assert.Contains("before the restart", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, second.Log.Count(RequestMethods.ToolsCall));

        await Assert.ThrowsAsync<ArgumentException>(() => second.Gateway.ResumeAsync("carol", " ", cts.Token));
        await second.Gateway.ResumeAsync("carol", "restart checked", cts.Token);
        CallToolResult echo = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "served")), cancellationToken: cts.Token);
        Assert.Contains("served", echo.Text(), StringComparison.Ordinal);
        second.DeleteDirectory();
    }

    [Fact]
    public async Task StopFile_PresentWhileResuming_RefusesTheResumeSayingToRemoveIt()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using EmergencyGateway gateway = await EmergencyGateway.StartAsync(cts.Token);
        await File.WriteAllTextAsync(gateway.StopFile, "", cts.Token);
        await Eventually.WaitUntilAsync(() => gateway.Gateway.IsEmergencyActive, "the stop file stopped the gateway", cts.Token);
        Assert.Contains(gateway.StopFile, gateway.Gateway.EmergencyState.Reason, StringComparison.Ordinal);

        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => gateway.Gateway.ResumeAsync("dave", "too early", cts.Token));
        Assert.Contains("remove it first", refused.Message, StringComparison.Ordinal);
        Assert.True(gateway.Gateway.IsEmergencyActive);
        gateway.DeleteDirectory();
    }

    [Fact]
    public async Task AdminApi_WithoutTheKeyOrAReason_RefusesAndSaysWhat()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using EmergencyGateway gateway = await EmergencyGateway.StartAsync(cts.Token);
        using var http = new HttpClient { BaseAddress = gateway.Host.BaseAddress };

        using HttpResponseMessage anonymous = await http.PostAsync("/admin/emergency/stop", Json(new { reason = "x" }), cts.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Authorization: Bearer", await anonymous.Content.ReadAsStringAsync(cts.Token), StringComparison.Ordinal);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/admin/emergency/stop") { Content = Json(new { reason = "x" }) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmergencyGateway.AdminKey + "x");
        using HttpResponseMessage wrongKey = await http.SendAsync(wrong, cts.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);

        using HttpResponseMessage noReason = await AdminAsync(http, "/admin/emergency/stop", new { initiator = "erin" }, cts.Token);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("needs a reason", await noReason.Content.ReadAsStringAsync(cts.Token), StringComparison.Ordinal);
        Assert.False(gateway.Gateway.IsEmergencyActive);

        using var status = new HttpRequestMessage(HttpMethod.Get, "/admin/emergency");
        status.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmergencyGateway.AdminKey);
        using HttpResponseMessage state = await http.SendAsync(status, cts.Token);
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await state.Content.ReadAsStringAsync(cts.Token));
        Assert.False(body.RootElement.GetProperty("active").GetBoolean());
        gateway.DeleteDirectory();
    }

    [Fact]
    public async Task AdminApi_NoKeyConfigured_IsOffAndSaysHowToTurnItOn()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using GatewayHost host = await GatewayHost.StartAsync(TestServers.Configuration(TestServers.Fixture("fixture")), cts.Token);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using HttpResponseMessage response = await http.PostAsync("/admin/emergency/stop", Json(new { reason = "x" }), cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(EmergencySettings.AdminKeyVariable, await response.Content.ReadAsStringAsync(cts.Token), StringComparison.Ordinal);
        Assert.False(host.Gateway.IsEmergencyActive);
    }

    private static async Task TriggerAsync(EmergencyGateway gateway, string channel, string reason, string initiator, CancellationToken cancellationToken)
    {
        switch (channel)
        {
            case EmergencyChannels.Library:
                await gateway.Gateway.TriggerEmergencyStopAsync(reason, initiator, cancellationToken);
                break;
            case EmergencyChannels.AdminApi:
                using (var http = new HttpClient { BaseAddress = gateway.Host.BaseAddress })
                {
                    using HttpResponseMessage response = await AdminAsync(http, "/admin/emergency/stop", new { reason, initiator }, cancellationToken);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                break;
            case EmergencyChannels.Cli:
                // What `mcpf stop` runs, from outside the gateway: a write to the data directory's state store.
                EmergencyControl control = EmergencyControl.For(gateway.Gateway.Configuration);
                await control.StopAsync(reason, initiator, cancellationToken);
                break;
            case EmergencyChannels.StopFile:
                await File.WriteAllTextAsync(gateway.StopFile, reason, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(channel), channel, null);
        }
    }

    private static async Task ResumeAsync(EmergencyGateway gateway, string channel, CancellationToken cancellationToken)
    {
        switch (channel)
        {
            case EmergencyChannels.AdminApi:
                using (var http = new HttpClient { BaseAddress = gateway.Host.BaseAddress })
                {
                    using HttpResponseMessage response = await AdminAsync(http, "/admin/emergency/resume", new { reason = "contained", initiator = "alice" }, cancellationToken);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                break;
            case EmergencyChannels.Cli:
                await EmergencyControl.For(gateway.Gateway.Configuration).ResumeAsync("alice", "contained", cancellationToken);
                break;
            case EmergencyChannels.StopFile:
                File.Delete(gateway.StopFile);
                await gateway.Gateway.ResumeAsync("alice", "contained", cancellationToken);
                break;
            default:
                await gateway.Gateway.ResumeAsync("alice", "contained", cancellationToken);
                break;
        }
    }

    private static TimeSpan ChannelLatency(string channel) => channel switch
    {
        EmergencyChannels.StopFile => TimeSpan.FromSeconds(1),
        EmergencyChannels.Cli => TimeSpan.FromMilliseconds(250),
        _ => TimeSpan.Zero,
    };

    private static string ExpectedInitiator(string channel) => channel == EmergencyChannels.StopFile ? "by stop-file" : "by alice";

    private static Task<HttpResponseMessage> AdminAsync(HttpClient http, string path, object body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmergencyGateway.AdminKey);
        return http.SendAsync(request, cancellationToken);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>The audit sink a test reads: every security event posted.</summary>
    private sealed class RecordingSink : ISecurityEventSink
    {
        private readonly ConcurrentQueue<SecurityEventRecord> _records = new();

        public IReadOnlyCollection<SecurityEventRecord> Records => _records;

        public void Post(SecurityEventRecord record) => _records.Enqueue(record);
    }
}
