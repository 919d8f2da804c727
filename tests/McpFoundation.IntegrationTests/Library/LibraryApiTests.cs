using System.Collections.Concurrent;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Tools;
using McpFoundation.Servers;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Library;

/// <summary>The embedding API (the seed's MCPSecurityIntegration) against the real fixture server, without any front.</summary>
[Trait("Category", "Integration")]
public sealed class LibraryApiTests
{
    [Fact]
    public async Task ExecuteToolAsync_InitializedGateway_ReturnsResultAndRaisesToolExecuted()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(TestServers.Configuration(TestServers.Fixture("fixture")));
        var executed = new ConcurrentQueue<ToolExecutedEventArgs>();
        gateway.ToolRegistry.ToolExecuted += (_, e) => executed.Enqueue(e);
        await gateway.InitializeAsync(cts.Token);

        ToolCallOutcome outcome = await gateway.ExecuteToolAsync("fixture__echo", Arguments(("message", "from the library")), "user123", cts.Token);
        ToolCallOutcome failed = await gateway.ExecuteToolAsync("fixture__fail", Arguments(("code", -32042), ("message", "boom")), "user123", cts.Token);
        IReadOnlyList<ToolInfo> tools = await gateway.ToolRegistry.ListAvailableToolsAsync(cts.Token);

        Assert.True(outcome.Succeeded);
        Assert.Equal("fixture", outcome.ServerId);
        Assert.Equal("from the library", outcome.Result!.Text());
        Assert.False(failed.Succeeded);
        Assert.Equal(-32042, failed.ErrorCode);
        Assert.Equal("boom", failed.ErrorMessage);
        ToolInfo echo = Assert.Single(tools, t => t.Name == "fixture__echo");
        Assert.Equal(("fixture", "echo"), (echo.ServerId, echo.DownstreamName));

        // ToolExecuted is raised on the gateway's event worker, after the call has returned to its caller.
        await Eventually.WaitUntilAsync(() => executed.Count == 2, "both ToolExecuted events were raised", cts.Token);
        Assert.Collection(
            executed,
            e => Assert.Equal(("fixture__echo", "fixture", "user123", true, (int?)null), (e.ToolName, e.ServerId, e.UserId, e.Succeeded, e.ErrorCode)),
            e => Assert.Equal(("fixture__fail", "fixture", "user123", false, (int?)-32042), (e.ToolName, e.ServerId, e.UserId, e.Succeeded, e.ErrorCode)));
    }

    [Fact]
    public async Task AddServerAsync_JsonDefinition_ConnectsThenRemoveServerAsyncRemovesItsTools()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(TestServers.Configuration(TestServers.Fixture("fixture")));
        await gateway.InitializeAsync(cts.Token);
        var changes = new ConcurrentQueue<ServerHealthChangedEventArgs>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.ServerManager.ServerHealthChanged += (_, e) =>
        {
            changes.Enqueue(e);
            if (e.Current.ServerId == "added" && e.Current.State == ServerState.Stopped)
            {
                stopped.TrySetResult();
            }
        };
        JsonElement definition = JsonSerializer.SerializeToElement(new
        {
            transport = "stdio",
            command = new[] { RepoPaths.DotnetHost, RepoPaths.FixtureServerDll, "--stdio", "--name", "added" },
        });

        ServerHealth added = await gateway.ServerManager.AddServerAsync("added", definition, cts.Token);
        IReadOnlyList<ToolInfo> withAdded = await gateway.ToolRegistry.ListAvailableToolsAsync(cts.Token);
        string? addedName = gateway.ServerManager.GetServerInfo("added")?.Name;
        ToolCallOutcome call = await gateway.ExecuteToolAsync("added__echo", Arguments(("message", "hi")), "user123", cts.Token);
        bool removed = await gateway.ServerManager.RemoveServerAsync("added", cts.Token);
        IReadOnlyList<ToolInfo> afterRemove = await gateway.ToolRegistry.ListAvailableToolsAsync(cts.Token);
        ToolCallOutcome callAfterRemove = await gateway.ExecuteToolAsync("added__echo", Arguments(("message", "hi")), "user123", cts.Token);
        await stopped.Task.WaitAsync(cts.Token); // health events are raised on the event worker, in order

        Assert.Equal(ServerState.Connected, added.State);
        Assert.Equal("added", addedName);
        Assert.Contains(withAdded, t => t.Name == "added__echo" && t.ServerId == "added");
        Assert.Equal("hi", call.Result!.Text());
        Assert.True(removed);
        Assert.DoesNotContain(afterRemove, t => t.ServerId == "added");
        Assert.Contains(afterRemove, t => t.Name == "fixture__echo");
        Assert.False(callAfterRemove.Succeeded);
        Assert.Equal(-32602, callAfterRemove.ErrorCode);
        Assert.Contains(changes, e => e.Current.ServerId == "added" && e.Current.State == ServerState.Connected);
        Assert.Contains(changes, e => e.Current.ServerId == "added" && e.Current.State == ServerState.Stopped);
        Assert.DoesNotContain("added", gateway.ServerManager.ServerIds);
    }

    [Fact]
    public async Task RemoveThenAddAgain_ServerListedOnceAtTheEndAndServing()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(TestServers.Configuration(TestServers.Fixture("first"), TestServers.Fixture("second")));
        await gateway.InitializeAsync(cts.Token);

        Assert.True(await gateway.ServerManager.RemoveServerAsync("first", cts.Token));
        ServerHealth again = await gateway.ServerManager.AddServerAsync("first", TestServers.Fixture("first"), cts.Token);
        ToolCallOutcome call = await gateway.ExecuteToolAsync("first__echo", Arguments(("message", "back")), "user123", cts.Token);

        Assert.Equal(ServerState.Connected, again.State);
        Assert.Equal(["second", "first"], gateway.ServerManager.ServerIds);
        Assert.Equal(["second", "first"], gateway.ServerManager.GetHealth().Select(h => h.ServerId));
        Assert.Equal("back", call.Result!.Text());
    }

    [Fact]
    public async Task ReloadConfigurationAsync_StartsAddedStopsRemovedRestartsChanged_RefusesANamespacingChange()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayConfiguration first = TestServers.Configuration(TestServers.Fixture("kept"), TestServers.Fixture("changed"), TestServers.Fixture("removed"));
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(first);
        await gateway.InitializeAsync(cts.Token);

        GatewayConfiguration second = TestServers.Configuration(TestServers.Fixture("kept"), TestServers.Fixture("changed", "--tools", "1"), TestServers.Fixture("added"));
        McpFoundation.Hosting.ConfigurationReloadResult result = await gateway.ReloadConfigurationAsync(second, cts.Token);

        Assert.Equal("servers added: added; removed: removed; restarted: changed", result.ToString());
        Assert.Same(second, gateway.Configuration);
        Assert.Equal(["kept", "added", "changed"], gateway.ServerManager.ServerIds); // a restarted server is added again, at the end
        Assert.Equal("hi", (await gateway.ExecuteToolAsync("added__echo", Arguments(("message", "hi")), "user123", cts.Token)).Result!.Text());
        Assert.Contains(gateway.ToolRegistry.Catalogue.Current.Tools, t => t.Name == "changed__extra_000");
        Assert.DoesNotContain(gateway.ToolRegistry.Catalogue.Current.ToolDetails, t => t.ServerId == "removed");

        ConfigurationException refused = await Assert.ThrowsAsync<ConfigurationException>(() => gateway.ReloadConfigurationAsync(second with { Namespacing = ToolNamespacing.None }, cts.Token));
        Assert.Contains(refused.Errors, e => e.Path == "namespacing" && e.Message.Contains("restart", StringComparison.Ordinal));
        Assert.Same(second, gateway.Configuration);
    }

    [Fact]
    public async Task ExecuteToolAsync_FilterInstalledThroughCreate_DeniedCallNeverReachesTheServer()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string log = Path.Combine(Path.GetTempPath(), "mcpf-library-" + Guid.NewGuid().ToString("N") + ".jsonl");
        var scripted = new ScriptedFilter { DenyWhen = ctx => ctx.Arguments?["message"].GetString() == "secret" };
        var recorder = new RecordingFilter();
        ServerDefinition fixture = TestServers.Fixture("fixture") with { Env = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = log } };
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(TestServers.Configuration(fixture), configure: b => b.AddFilter(recorder).AddFilter(scripted));
        await gateway.InitializeAsync(cts.Token);

        ToolCallOutcome denied = await gateway.ExecuteToolAsync("fixture__echo", Arguments(("message", "secret")), "user123", cts.Token);
        ToolCallOutcome allowed = await gateway.ExecuteToolAsync("fixture__echo", Arguments(("message", "public")), "user123", cts.Token);

        Assert.Equal(McpFoundation.Pipeline.GatewayErrorCodes.OperationDenied, denied.ErrorCode);
        Assert.Contains("denied by the test's scripted filter", denied.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("public", allowed.Result!.Text());
        SeenOperation seen = recorder.Requests[0];
        Assert.Equal(("user123", true, McpFoundation.Pipeline.ProtocolEra.None), (seen.UserId, seen.UserIsAuthenticated, seen.Era));
        Assert.Equal(denied.CorrelationId, seen.CorrelationId);
        RequestLogFile requests = new(log);
        Assert.Contains(requests.Entries(), e => e.GetRawText().Contains("public", StringComparison.Ordinal));
        Assert.DoesNotContain(requests.Entries(), e => e.GetRawText().Contains("secret", StringComparison.Ordinal));
        File.Delete(log);
    }

    private static Dictionary<string, JsonElement> Arguments(params (string Name, object Value)[] values) =>
        values.ToDictionary(v => v.Name, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal);
}
