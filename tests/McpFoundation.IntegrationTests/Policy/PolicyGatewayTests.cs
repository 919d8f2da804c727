using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Policy;

/// <summary>
/// The policy through the real gateway, on both fronts, in front of the recording fixture server over stdio: a denied
/// call gets -31040 with the rule, a hint and the correlation id, and the fixture's request log shows nothing arrived;
/// an allowed call passes; a library call is denied the same way; shadow mode lets the call pass and raises the event.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class PolicyGatewayTests : IAsyncLifetime
{
    private const string EnforcedPolicy = """
        {
          "default": "deny",
          "rules": [
            { "id": "fixture-tools", "effect": "allow", "tools": ["fixture__*"] },
            { "id": "no-env", "effect": "deny", "tools": ["*__env"], "description": "server environment may hold secrets" },
            { "id": "no-secret-echo", "effect": "deny", "tools": ["fixture__echo"], "when": { "arguments": { "message": { "matches": "(?i)secret" } } } }
          ]
        }
        """;

    private readonly string _workDirectory = Directory.CreateTempSubdirectory("mcpf-policy-").FullName;
    private readonly ConcurrentQueue<SecurityViolationEventArgs> _violations = new();
    private GatewayHost? _host;

    private RequestLogFile Log => new(Path.Combine(_workDirectory, "requests.jsonl"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task DeniedCall_PolicyDeniedWithRuleHintAndCorrelationId_NothingReachesTheServer(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(EnforcedPolicy, cts.Token);
        await using TestClient client = await host.ConnectAsync(front, cts.Token);

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__env", Results.Args(("name", "PATH")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.PolicyDenied, refused.ErrorCode);
        Assert.Contains("rule 'no-env'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("server environment may hold secrets", refused.Message, StringComparison.Ordinal);
        JsonElement data = (JsonElement)client.Wire.Snapshot().OfType<JsonRpcError>().Last().Error.Data!;
        Assert.Equal("no-env", data.GetProperty(GatewayErrors.RuleField).GetString());
        Assert.Equal("policy", data.GetProperty(GatewayErrors.FilterField).GetString());
        Assert.False(string.IsNullOrWhiteSpace(data.GetProperty(GatewayErrors.HintField).GetString()));
        string correlationId = data.GetProperty(GatewayErrors.CorrelationIdField).GetString()!;

        // The event names the same call; a probe after the denial proves the request log is current, and holds no env call.
        await Eventually.WaitUntilAsync(() => _violations.Any(v => v.CorrelationId == correlationId), "the SecurityViolation event was raised", cts.Token);
        SecurityViolationEventArgs violation = _violations.Single(v => v.CorrelationId == correlationId);
        Assert.Equal(("fixture__env", "fixture", "no-env", false), (violation.ToolName, violation.ServerId, violation.Rule, violation.IsShadow));
        await ProbeAsync(client, cts.Token);
        Assert.Equal(0, ToolCallsReceived("env"));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task AllowedCall_Passes_ArgumentConditionDeniesOnlyMatchingArguments(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(EnforcedPolicy, cts.Token);
        await using TestClient client = await host.ConnectAsync(front, cts.Token);

        CallToolResult allowed = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "hello")), cancellationToken: cts.Token);
        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "my SECRET plan")), cancellationToken: cts.Token).AsTask());

        Assert.NotEqual(true, allowed.IsError);
        Assert.Equal((McpErrorCode)GatewayErrorCodes.PolicyDenied, refused.ErrorCode);
        Assert.Contains("rule 'no-secret-echo'", refused.Message, StringComparison.Ordinal);
        await ProbeAsync(client, cts.Token);
        Assert.DoesNotContain(Log.Entries(), e => e.GetRawText().Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LibraryCall_Denied_OutcomeCarriesTheCodeAndTheEventIsRaised()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(EnforcedPolicy, cts.Token);

        var outcome = await host.Gateway.ExecuteToolAsync("fixture__env", new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("PATH") }, "alice", cts.Token);
        var allowed = await host.Gateway.ExecuteToolAsync("fixture__echo", new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("probe") }, "alice", cts.Token);

        Assert.Equal(GatewayErrorCodes.PolicyDenied, outcome.ErrorCode);
        Assert.Contains("rule 'no-env'", outcome.ErrorMessage, StringComparison.Ordinal);
        Assert.True(allowed.Succeeded);
        await Eventually.WaitUntilAsync(() => _violations.Any(v => v.CorrelationId == outcome.CorrelationId), "the SecurityViolation event was raised", cts.Token);
        Assert.Equal("alice", _violations.Single(v => v.CorrelationId == outcome.CorrelationId).UserId);
        Assert.Equal(0, ToolCallsReceived("env"));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ShadowMode_WouldBeDenialPasses_AndRaisesAShadowViolation(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(EnforcedPolicy.Replace("\"default\": \"deny\",", "\"default\": \"deny\", \"mode\": \"shadow\",", StringComparison.Ordinal), cts.Token);
        await using TestClient client = await host.ConnectAsync(front, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync("fixture__env", Results.Args(("name", "PATH")), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, ToolCallsReceived("env"));
        await Eventually.WaitUntilAsync(() => !_violations.IsEmpty, "the shadow SecurityViolation event was raised", cts.Token);
        SecurityViolationEventArgs violation = Assert.Single(_violations);
        Assert.Equal(("no-env", true, GatewayErrorCodes.PolicyDenied), (violation.Rule, violation.IsShadow, violation.ErrorCode));
    }

    [Fact]
    public async Task ValidateOperationAsync_OnTheLibrarySurface_SameDecisionAsTheFilter()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(EnforcedPolicy, cts.Token);
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall);
        context.Resolve("fixture__env", "fixture", "env", new OperationTarget { ServerId = "fixture" });

        var decision = await host.Gateway.ValidateOperationAsync(OperationCategory.ToolExecution, context, cts.Token);

        Assert.False(decision.IsValid);
        Assert.Equal(["no-env"], decision.RuleIds);
        Assert.Equal(context.CorrelationId, decision.CorrelationId);
    }

    private async Task<GatewayHost> StartAsync(string policy, CancellationToken cancellationToken)
    {
        // The policy is read from JSON like a file's; the server definition is the real fixture (the placeholder only names it).
        ConfigurationLoadResult parsed = GatewayConfigurationLoader.Parse(
            $$"""{ "servers": { "fixture": { "command": ["placeholder"] } }, "policy": {{policy}} }""",
            new Dictionary<string, string?>());
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
        ServerDefinition fixture = TestServers.Fixture("fixture") with { Env = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = Log.Path } };
        GatewayConfiguration configuration = parsed.Configuration! with
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(new Dictionary<string, ServerDefinition> { ["fixture"] = fixture }),
            Settings = TestServers.Configuration(fixture).Settings,
        };
        _host = await GatewayHost.StartAsync(configuration, cancellationToken);
        _host.Gateway.SecurityViolation += (_, e) => _violations.Enqueue(e);
        return _host;
    }

    private async Task ProbeAsync(TestClient client, CancellationToken cancellationToken)
    {
        string probe = "probe-" + Guid.NewGuid().ToString("N");
        await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", probe)), cancellationToken: cancellationToken);
        await Eventually.WaitUntilAsync(() => Log.Entries().Any(e => e.GetRawText().Contains(probe, StringComparison.Ordinal)), "the probe reached the fixture", cancellationToken);
    }

    private int ToolCallsReceived(string tool) =>
        Log.Entries().Count(e => e.GetProperty("method").GetString() == RequestMethods.ToolsCall
            && e.GetProperty("params").TryGetProperty("name", out JsonElement name) && name.GetString() == tool);
}
