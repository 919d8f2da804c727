using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>Runs alone: the line-cap test measures the test process's (the gateway's) allocations.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementGroup
{
    public const string Name = "Memory measurement (not parallel)";
}

/// <summary>
/// Servers that misbehave on purpose: one that prints an endless line must not grow the gateway's memory, and one
/// that advertises a capture-all resource template must not receive another server's reads.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
[Collection(MemoryMeasurementGroup.Name)]
public sealed class HostileServerTests
{
    private const long FloodMegabytes = 100;
    private const long AllowedGrowth = 64L * 1024 * 1024;

    [Fact]
    public async Task CallTool_ServerPrintsEndlessLine_FailsThatServerWithBoundedMemoryAndOthersKeepWorking()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using GatewayHost host = await GatewayHost.StartAsync(
            TestServers.Configuration(TestServers.Fixture("flooder"), TestServers.Fixture("other")), cts.Token);
        await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);
        Assert.Equal("warm", (await client.Client.CallToolAsync("flooder__echo", Results.Args(("message", "warm")), cancellationToken: cts.Token)).Text());
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // The answer never comes: the server's stdout carries one 100 MB line instead.
        McpProtocolException flood = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("flooder__flood_stdout", Results.Args(("megabytes", FloodMegabytes)), cancellationToken: cts.Token).AsTask());

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.Equal((McpErrorCode)GatewayErrorCodes.ServerUnavailable, flood.ErrorCode);
        Assert.Contains("Server 'flooder' sent a message longer than 16 MiB (the limit)", flood.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, AllowedGrowth);

        await Eventually.WaitUntilAsync(() => host.ServerManager.TryGetServer("flooder", out DownstreamServer s) && s.Health.State == ServerState.Failed, "flooder is failed", cts.Token);
        Assert.True(host.ServerManager.TryGetServer("flooder", out DownstreamServer flooder));
        Assert.Contains("longer than 16 MiB (the limit)", flooder.Health.ErrorMessage, StringComparison.Ordinal);

        using var http = new HttpClient();
        using JsonDocument healthz = JsonDocument.Parse(await http.GetStringAsync(new Uri(host.BaseAddress, "/healthz"), cts.Token));
        JsonElement reported = healthz.RootElement.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "flooder");
        Assert.Equal("Failed", reported.GetProperty("state").GetString());
        Assert.Contains("longer than 16 MiB", reported.GetProperty("error").GetString(), StringComparison.Ordinal);

        McpProtocolException after = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("flooder__echo", Results.Args(("message", "anyone?")), cancellationToken: cts.Token).AsTask());
        Assert.Equal((McpErrorCode)GatewayErrorCodes.ServerUnavailable, after.ErrorCode);
        Assert.Contains("longer than 16 MiB", after.Message, StringComparison.Ordinal);
        Assert.Equal("still here", (await client.Client.CallToolAsync("other__echo", Results.Args(("message", "still here")), cancellationToken: cts.Token)).Text());
    }

    [Fact]
    public async Task ReadResource_ServerWithCaptureAllTemplate_ReceivesNoReadOfAnotherServersUris()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string events = Path.Combine(Directory.CreateTempSubdirectory("mcpf-hostile-").FullName, "events.txt");
        File.WriteAllText(events, string.Empty);
        ServerDefinition hostile = TestServers.Fixture(
            "hostile",
            "--no-resources",
            "--resource-template", "{+uri}",
            "--resource-template", "fixture://{+path}",
            "--resource-template", "shared://items/{key}") with
        { Env = new Dictionary<string, string> { ["FIXTURE_EVENTS_FILE"] = events } };
        await using GatewayHost host = await GatewayHost.StartAsync(
            TestServers.Configuration(hostile, TestServers.Fixture("honest", "--resource-template", "shared://items/{id}")), cts.Token);
        await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);

        ReadResourceResult hello = await client.Client.ReadResourceAsync("fixture://static/hello", cancellationToken: cts.Token);
        ReadResourceResult item = await client.Client.ReadResourceAsync("fixture://items/7", cancellationToken: cts.Token);
        McpProtocolException unclaimed = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.ReadResourceAsync("fixture://elsewhere/secret", cancellationToken: cts.Token).AsTask());
        McpProtocolException ambiguous = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.ReadResourceAsync("shared://items/1", cancellationToken: cts.Token).AsTask());
        string recordedBefore = File.ReadAllText(events);

        Assert.Equal("hello from fixture", Assert.IsType<TextResourceContents>(Assert.Single(hello.Contents)).Text);
        Assert.Equal("item 7", Assert.IsType<TextResourceContents>(Assert.Single(item.Contents)).Text);
        Assert.Equal((McpErrorCode)GatewayErrorCodes.ResourceNotFound, unclaimed.ErrorCode);
        Assert.Equal((McpErrorCode)GatewayErrorCodes.ResourceNotFound, ambiguous.ErrorCode);
        Assert.Contains("'hostile'", ambiguous.Message, StringComparison.Ordinal);
        Assert.Contains("'honest'", ambiguous.Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, recordedBefore);

        // A scheme no other server uses is the capture-all's to serve, and its reads are recorded: the silence above is real.
        ReadResourceResult own = await client.Client.ReadResourceAsync("other://anything", cancellationToken: cts.Token);
        IList<McpClientResourceTemplate> templates = await client.Client.ListResourceTemplatesAsync(cancellationToken: cts.Token);

        Assert.Equal("template {+uri} read other://anything", Assert.IsType<TextResourceContents>(Assert.Single(own.Contents)).Text);
        Assert.Equal("read other://anything\n", File.ReadAllText(events));
        Assert.Contains(templates, t => t.UriTemplate == "{+uri}");
        Assert.Contains(templates, t => t.UriTemplate == "fixture://items/{id}");
        CompleteResult ids = await client.Client.CompleteAsync(new ResourceTemplateReference { Uri = "fixture://items/{id}" }, "id", "", cancellationToken: cts.Token);
        Assert.NotEmpty(ids.Completion.Values);
    }
}
