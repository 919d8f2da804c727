using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Security;

/// <summary>
/// C1 through the real gateway on both fronts: <c>tools/list</c> shows a caller only what the policy lets it attempt,
/// a hidden tool is also refused when called by name, and a reload that changes what the caller may see sends it
/// <c>notifications/tools/list_changed</c>, after which its list follows the new policy.
/// </summary>
[Trait("Category", "Security")]
public sealed class CallerCatalogueTests
{
    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ToolsList_FollowsThePolicy_AndAReloadThatChangesItSendsListChanged(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string directory = Directory.CreateTempSubdirectory("mcpf-c1-").FullName;
        try
        {
            GatewayConfiguration first = Load(directory, ["fixture__fail"]);
            await using GatewayHost host = await GatewayHost.StartAsync(first, cts.Token);
            await using TestClient client = await host.ConnectAsync(front, cts.Token);

            IList<McpClientTool> before = await client.Client.ListToolsAsync(cancellationToken: cts.Token);
            Assert.Contains(before, t => t.Name == "fixture__add");
            Assert.DoesNotContain(before, t => t.Name == "fixture__fail");
            McpProtocolException hidden = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("fixture__fail", new Dictionary<string, object?> { ["code"] = -32603, ["message"] = "x" }, cancellationToken: cts.Token).AsTask());
            Assert.Equal(McpFoundation.Pipeline.GatewayErrorCodes.PolicyDenied, (int)hidden.ErrorCode);

            int announced = client.Wire.Notifications(NotificationMethods.ToolListChangedNotification).Count;
            await host.Gateway.ReloadConfigurationAsync(Load(directory, ["fixture__fail", "fixture__add"]), cts.Token);
            await client.Wire.WaitForAsync(m => client.Wire.Notifications(NotificationMethods.ToolListChangedNotification).Count > announced ? (object)true : null, cts.Token);

            IList<McpClientTool> after = await client.Client.ListToolsAsync(cancellationToken: cts.Token);
            Assert.DoesNotContain(after, t => t.Name == "fixture__add");
            Assert.Contains(after, t => t.Name == "fixture__echo");
            Assert.Equal(before.Count - 1, after.Count);

            // A reload that changes nothing this caller sees announces nothing.
            int settled = client.Wire.Notifications(NotificationMethods.ToolListChangedNotification).Count;
            await host.Gateway.ReloadConfigurationAsync(Load(directory, ["fixture__add", "fixture__fail", "fixture__not_a_tool"]), cts.Token);
            await client.Client.PingAsync(cancellationToken: cts.Token);
            await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token);
            Assert.Equal(settled, client.Wire.Notifications(NotificationMethods.ToolListChangedNotification).Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The fixture behind a policy that allows everything but denies <paramref name="denied"/> outright.</summary>
    private static GatewayConfiguration Load(string directory, string[] denied)
    {
        string json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["settings"] = new Dictionary<string, object> { ["health_check_interval"] = 3600 },
            ["servers"] = new Dictionary<string, object> { ["fixture"] = new { command = new[] { RepoPaths.DotnetHost, RepoPaths.FixtureServerDll, "--stdio" } } },
            ["policy"] = new Dictionary<string, object>
            {
                ["default"] = "allow",
                ["rules"] = new object[] { new Dictionary<string, object> { ["id"] = "hidden", ["effect"] = "deny", ["tools"] = denied } },
            },
        });
        ConfigurationLoadResult loaded = GatewayConfigurationLoader.Parse(json, new Dictionary<string, string?>(), Path.Combine(directory, "gateway.json"));
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return loaded.Configuration!;
    }
}
