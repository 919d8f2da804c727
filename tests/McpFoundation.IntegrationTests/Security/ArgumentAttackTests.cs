using System.Text.Json;
using McpFoundation.IntegrationTests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Security;

/// <summary>
/// The adversarial suite of issue 9: every attack in <see cref="AttackCase.All"/> through the real gateway, on both fronts,
/// against real servers with the policy filter installed by the configuration alone. A refused call gets the gateway's
/// own error code, a message, and <c>data</c> naming the correlation id and the deciding rule; the server's request log
/// proves it received nothing. The controls prove the same configuration forwards what it should.
/// </summary>
[Trait("Category", "Security")]
public sealed class ArgumentAttackTests(AttackGateway gateway) : IClassFixture<AttackGateway>
{
    public static TheoryData<GatewayFront, string> Cases()
    {
        var data = new TheoryData<GatewayFront, string>();
        foreach (GatewayFront front in new[] { GatewayFront.Http, GatewayFront.Stdio })
        {
            foreach (AttackCase attack in AttackCase.All)
            {
                data.Add(front, attack.Name);
            }
        }

        return data;
    }

    [Fact]
    public void Suite_HasAtLeastSixtyAttacks_WithUniqueNames()
    {
        Assert.True(AttackCase.All.Count(c => !c.IsAllowed) >= 60, $"only {AttackCase.All.Count(c => !c.IsAllowed)} attacks");
        Assert.Equal(AttackCase.All.Count, AttackCase.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Attack_IsRefusedBeforeTheServer_OrControlIsForwarded(GatewayFront front, string name)
    {
        AttackCase attack = AttackCase.All.Single(c => c.Name == name);
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        Dictionary<string, object?> arguments = Arguments(attack);
        RequestLogFile? log = gateway.LogOf(attack.ServerId);
        int before = log?.Count("tools/call") ?? 0;

        if (attack.IsAllowed)
        {
            CallToolResult result = await client.Client.CallToolAsync(attack.Tool, arguments, cancellationToken: cts.Token);
            Assert.NotEqual(true, result.IsError);
            if (log is not null)
            {
                Assert.Equal(before + 1, log.Count("tools/call"));
            }

            return;
        }

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync(attack.Tool, arguments, cancellationToken: cts.Token).AsTask());
        Assert.True(attack.Codes.Contains((int)refused.ErrorCode), $"{attack.Name}: expected {string.Join(" or ", attack.Codes)}, got {(int)refused.ErrorCode} {refused.Message}");
        Assert.False(string.IsNullOrWhiteSpace(refused.Message));

        JsonRpcError error = client.Wire.Snapshot().OfType<JsonRpcError>().Last();
        JsonElement data = JsonSerializer.SerializeToElement(error.Error.Data, McpJsonUtilities.DefaultOptions);
        Assert.Equal(JsonValueKind.Object, data.ValueKind);
        Assert.False(string.IsNullOrEmpty(data.GetProperty("correlationId").GetString()));
        string rule = data.GetProperty("rule").GetString() ?? "";
        Assert.False(string.IsNullOrEmpty(rule), $"{attack.Name}: data.rule is empty");
        if (attack.Rule is { } expectedRule)
        {
            Assert.Contains(expectedRule, rule, StringComparison.Ordinal);
        }

        Assert.True(data.TryGetProperty("hint", out JsonElement hint) && hint.GetString() is { Length: > 0 }, $"{attack.Name}: no data.hint");
        if (log is not null)
        {
            Assert.Equal(before, log.Count("tools/call"));
        }
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task AllowedPath_ReachesTheServerInTheCanonicalFormThatWasChecked(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        string marker = "sub/./../inside_link.txt";

        CallToolResult result = await client.Client.CallToolAsync("fx__read_file", new Dictionary<string, object?> { ["path"] = marker }, cancellationToken: cts.Token);

        // The relative path through a symlink was resolved to the real file, and that is what the server was sent.
        Assert.Equal("safe notes", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        JsonElement forwarded = gateway.FxLog.Entries().Last(e => e.GetProperty("method").GetString() == "tools/call").GetProperty("params").GetProperty("arguments");
        Assert.Equal(Path.Combine(gateway.Safe, "notes.txt"), forwarded.GetProperty("path").GetString());
    }

    private Dictionary<string, object?> Arguments(AttackCase attack)
    {
        // Placeholders are replaced inside the JSON string values, escaped as JSON.
        string json = attack.Arguments
            .Replace("{S}", JsonEncodedText.Encode(gateway.Safe).ToString(), StringComparison.Ordinal)
            .Replace("{R}", JsonEncodedText.Encode(gateway.Root).ToString(), StringComparison.Ordinal);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
    }
}
