using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Text.Json;
using McpFoundation.AspNetCore;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Telemetry;
using McpFoundation.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OpenTelemetry.Trace;

namespace McpFoundation.IntegrationTests.Telemetry;

/// <summary>
/// Runs alone: OpenTelemetry's meter provider listens to meters by name, process-wide, so while another gateway of
/// this test process is running, its instruments would show in this gateway's <c>/metrics</c> too (a second
/// histogram of the same name, whose buckets the Prometheus parser rightly refuses: docs/observability.md).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsScrapeGroup
{
    public const string Name = "Metrics scrape (not parallel)";
}

/// <summary>
/// The gateway's observability through the real HTTP front and the real recording fixture: the correlation id reaches
/// the server's <c>_meta</c>, the log scope and the span; <c>/metrics</c> parses as Prometheus text with the calls
/// counted; the spans have the operation / filter / downstream shape; tool statistics count what happened.
/// </summary>
[Trait("Category", "Integration")]
[Collection(MetricsScrapeGroup.Name)]
public sealed class ObservabilityTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-observe-").FullName;
    private readonly SpanCollection _spans = new();
    private readonly CapturingLoggerProvider _logs = new();
    private GatewayHost? _host;

    private RequestLogFile Log => new(Path.Combine(_directory, "requests.jsonl"));

    private GatewayHost Host => _host!;

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        ConfigurationLoadResult parsed = GatewayConfigurationLoader.Parse(
            """
            {
              "servers": { "fixture": { "command": ["placeholder"] } },
              "policy": { "default": "allow", "rules": [ { "id": "no-fail", "effect": "deny", "tools": ["fixture__fail"] } ] },
              "telemetry": { "prometheus": true }
            }
            """,
            new Dictionary<string, string?>());
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
        ServerDefinition fixture = TestServers.Fixture("fixture") with { Env = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = Log.Path } };
        GatewayConfiguration configuration = parsed.Configuration! with
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(new Dictionary<string, ServerDefinition> { ["fixture"] = fixture }),
            Settings = TestServers.Configuration(fixture).Settings with { LogLevel = LogLevel.Debug },
        };
        Assert.True(configuration.Telemetry.Prometheus);
        _host = await GatewayHost.StartAsync(configuration, cts.Token, services: services =>
        {
            services.AddLogging(l => l.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
            services.AddMcpFoundationHttpTelemetry(configuration.Telemetry, tracing: t => t.AddInMemoryExporter(_spans));
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _logs.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task CorrelationId_OfAToolCall_ReachesTheServersMetaTheLogScopeAndTheSpan()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await Host.ConnectAsync(GatewayFront.Http, cts.Token);
        string probe = "probe-" + Guid.NewGuid().ToString("N");
        Host.Gateway.ToolExecuted += (_, e) => _executed.Enqueue(e);

        await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", probe)), cancellationToken: cts.Token);

        // The id the gateway used: from the event of that call.
        ToolExecutedEventArgs executed = await Eventually.ValueAsync(() => _executed.FirstOrDefault(e => e.ToolName == "fixture__echo"), "the ToolExecuted event", cts.Token);
        string id = executed.CorrelationId;
        JsonElement received = Log.Entries().Single(e => e.GetRawText().Contains(probe, StringComparison.Ordinal));
        Assert.True(received.GetProperty("params").TryGetProperty("_meta", out JsonElement meta), received.GetRawText());
        Assert.Equal(id, meta.GetProperty(GatewayTelemetry.CorrelationIdMetaKey).GetString());
        Assert.StartsWith("00-", meta.GetProperty("traceparent").GetString(), StringComparison.Ordinal);

        // The operation span ends when the answer is on its way, which may be just after ToolExecuted was raised.
        await Eventually.WaitUntilAsync(() => HasSpan("tools/call fixture__echo", ActivityKind.Server, id), "the operation span", cts.Token);
        Activity operation = SpanOf("tools/call fixture__echo", ActivityKind.Server, id);
        Assert.Equal(id, operation.GetTagItem(GatewayTelemetry.CorrelationIdAttribute));
        Assert.Equal("tools/call", operation.GetTagItem("mcp.method.name"));
        Assert.Equal("fixture__echo", operation.GetTagItem("gen_ai.tool.name"));
        Assert.Equal("execute_tool", operation.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("fixture", operation.GetTagItem("mcpfoundation.server"));
        Assert.Equal("ok", operation.GetTagItem("mcpfoundation.outcome"));
        Assert.NotNull(operation.GetTagItem("mcp.session.id"));

        // Children: the policy's decision, then the request forwarded to the server, whose id travelled as traceparent.
        Activity policy = Assert.Single(_spans, s => s.ParentSpanId == operation.SpanId && s.DisplayName == "filter policy");
        Assert.Equal("allow", policy.GetTagItem("mcpfoundation.decision"));
        Activity downstream = Assert.Single(_spans, s => s.ParentSpanId == operation.SpanId && s.Kind == ActivityKind.Client);
        Assert.Equal("tools/call echo", downstream.DisplayName);
        Assert.Equal("echo", downstream.GetTagItem("gen_ai.tool.name"));
        Assert.Equal(id, downstream.GetTagItem(GatewayTelemetry.CorrelationIdAttribute));
        Assert.Equal(downstream.Id, meta.GetProperty("traceparent").GetString());
        Assert.True(policy.StartTimeUtc <= downstream.StartTimeUtc);

        // Log lines written during the operation carry it in their scope (here the fixture's own category and the gateway's).
        Assert.Contains(_logs.Entries, e => e.Category == "McpFoundation.Routing.OperationRouter" && e.Message.Contains(id, StringComparison.Ordinal) && e.CorrelationId == id);
        Assert.All(_logs.Entries.Where(e => e.Message.Contains(id, StringComparison.Ordinal)), e => Assert.Equal(id, e.CorrelationId));
    }

    [Fact]
    public async Task Denial_IsASpanWithTheRuleAndALogLineOnTheSecurityCategory_AndTheServerReceivesNothing()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await Host.ConnectAsync(GatewayFront.Http, cts.Token);

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("fixture__fail", Results.Args(("code", -32603), ("message", "x")), cancellationToken: cts.Token).AsTask());

        Assert.Equal(0, Log.Entries().Count(e => e.GetProperty("method").GetString() == RequestMethods.ToolsCall && e.GetProperty("params").GetProperty("name").GetString() == "fail"));
        // Spans of every in-process gateway reach this exporter (the source is process-wide): take this client's session's.
        string session = client.Client.SessionId!;
        Activity operation = await Eventually.ValueAsync(() => _spans.Snapshot().FirstOrDefault(s => s.DisplayName == "tools/call fixture__fail" && (string?)s.GetTagItem("mcp.session.id") == session), "the denied call's span", cts.Token);
        Assert.Equal(ActivityStatusCode.Error, operation.Status);
        Assert.True((string?)operation.GetTagItem("mcpfoundation.outcome") == "denied", $"{operation.GetTagItem("mcpfoundation.outcome")} {operation.GetTagItem("error.type")} {operation.StatusDescription} / {refused.ErrorCode} {refused.Message}");
        Assert.Equal(((int)refused.ErrorCode).ToString(System.Globalization.CultureInfo.InvariantCulture), operation.GetTagItem("error.type"));
        Activity policy = Assert.Single(_spans, s => s.ParentSpanId == operation.SpanId && s.DisplayName == "filter policy");
        Assert.Equal("deny", policy.GetTagItem("mcpfoundation.decision"));
        Assert.Equal("no-fail", policy.GetTagItem("mcpfoundation.policy.rule"));
        Assert.DoesNotContain(_spans, s => s.ParentSpanId == operation.SpanId && s.Kind == ActivityKind.Client);
        string id = (string)operation.GetTagItem(GatewayTelemetry.CorrelationIdAttribute)!;
        Assert.Contains(_logs.Entries, e => e.Category == GatewayTelemetry.SecurityCategory && e.Message.Contains(id, StringComparison.Ordinal) && e.CorrelationId == id);
    }

    [Fact]
    public async Task Logs_SecretInAnOperatorsReason_RedactedBeforeAnyProviderSeesIt()
    {
        // The stop's reason is logged (McpFoundation.Security) and so is the resume's: neither may carry the key.
        const string Secret = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await Host.Gateway.TriggerEmergencyStopAsync("key " + Secret + " leaked", "ops", cts.Token);
        await Host.Gateway.ResumeAsync("ops", "rotated " + Secret, cts.Token);

        List<CapturedLog> lines = [.. _logs.Entries.Where(e => e.Message.Contains("ops", StringComparison.Ordinal))];
        Assert.Contains(lines, e => e.Message.Contains("[REDACTED:", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_AfterRealCalls_ParseAsPrometheusTextWithCallsPolicyDecisionsAndServerHealth()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await Host.ConnectAsync(GatewayFront.Http, cts.Token);
        for (int i = 0; i < 3; i++)
        {
            await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "m" + i)), cancellationToken: cts.Token);
        }

        await client.Client.CallToolAsync("fixture__tool_error", Results.Args(("message", "bad")), cancellationToken: cts.Token);
        await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("fixture__fail", Results.Args(("code", -32603), ("message", "x")), cancellationToken: cts.Token).AsTask());

        using var http = new HttpClient();
        // The exporter caches a scrape briefly; poll until this test's calls are in.
        (IReadOnlyList<PrometheusSample> samples, IReadOnlyDictionary<string, string> types) = await Eventually.ValueAsync(
            async () =>
            {
                string text = await http.GetStringAsync(new Uri(Host.BaseAddress, McpFoundationMetricsEndpoint.Path), cts.Token);
                var parsed = PrometheusText.Parse(text);
                return Counted(parsed.Samples, "fixture__echo", "ok") >= 3 && Counted(parsed.Samples, "fixture__fail", "denied") >= 1 ? parsed : default((IReadOnlyList<PrometheusSample>, IReadOnlyDictionary<string, string>)?);
            },
            "the calls counted in /metrics",
            cts.Token);

        Assert.Equal("counter", types["mcpfoundation_operations_total"]);
        Assert.Equal("histogram", types["mcpfoundation_operation_duration_seconds"]);
        Assert.Contains(samples, s => s.Name == "mcpfoundation_operation_duration_seconds_count" && s.Labels.GetValueOrDefault("gen_ai_tool_name") == "fixture__echo" && s.Value >= 3);
        Assert.Contains(samples, s => s.Name == "mcpfoundation_policy_decisions_total" && s.Labels["mcpfoundation_policy_rule"] == "no-fail" && s.Labels["mcpfoundation_policy_effect"] == "deny" && s.Value >= 1);
        Assert.Contains(samples, s => s.Name == "mcpfoundation_policy_decisions_total" && s.Labels["mcpfoundation_policy_effect"] == "allow" && s.Value >= 3);
        Assert.Contains(samples, s => s.Name == "mcpfoundation_server_up" && s.Labels["mcpfoundation_server"] == "fixture" && s.Value == 1);
        Assert.Contains(samples, s => s.Name.StartsWith("mcpfoundation_operations_active", StringComparison.Ordinal));

        // The audit trail's writer: its queue depth is observed and every commit of the calls' records is timed.
        Assert.Contains(samples, s => s.Name.StartsWith("mcpfoundation_audit_queue_depth", StringComparison.Ordinal) && s.Value >= 0);
        Assert.Contains(samples, s => s.Name == "mcpfoundation_audit_write_duration_seconds_count" && s.Value >= 1);

        IReadOnlyList<ToolStatistics> statistics = Host.Gateway.GetToolStatistics();
        ToolStatistics echo = Assert.Single(statistics, s => s.ToolName == "fixture__echo");
        Assert.True(echo.Calls >= 3);
        Assert.True(echo.P50 > TimeSpan.Zero && echo.P50 <= echo.P99);
        ToolStatistics toolError = Assert.Single(statistics, s => s.ToolName == "fixture__tool_error");
        Assert.Equal(toolError.Calls, toolError.Errors);
        Assert.Equal(1.0, toolError.ErrorRate);
    }

    [Fact]
    public async Task ToolStatistics_PublishedToTheStateStore_ReadBackAsTheGatewayCountedThem()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await Host.ConnectAsync(GatewayFront.Http, cts.Token);
        await client.Client.CallToolAsync("fixture__add", Results.Args(("a", 1), ("b", 2)), cancellationToken: cts.Token);
        await Eventually.WaitUntilAsync(() => Host.Gateway.GetToolStatistics().Any(s => s.ToolName == "fixture__add"), "the call counted", cts.Token);

        var publisher = Host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ToolStatisticsPublisher>().Single();
        await publisher.PublishAsync(cts.Token);
        PublishedToolStatistics? published = await ToolStatisticsPublisher.ReadAsync(Host.Services.GetRequiredService<Storage.IStateStore>(), cts.Token);

        Assert.NotNull(published);
        ToolStatistics add = Assert.Single(published.Tools, t => t.ToolName == "fixture__add");
        Assert.Equal(Host.Gateway.GetToolStatistics().Single(t => t.ToolName == "fixture__add"), add);
        Assert.Equal("fixture", add.ServerId);
    }

    private static double Counted(IReadOnlyList<PrometheusSample> samples, string tool, string outcome) =>
        samples.Where(s => s.Name == "mcpfoundation_operations_total" && s.Labels.GetValueOrDefault("gen_ai_tool_name") == tool && s.Labels.GetValueOrDefault("mcpfoundation_outcome") == outcome).Sum(s => s.Value);

    private bool HasSpan(string name, ActivityKind kind, string correlationId)
        => _spans.Snapshot().Any(s => s.DisplayName == name && s.Kind == kind && (string?)s.GetTagItem(GatewayTelemetry.CorrelationIdAttribute) == correlationId);

    private Activity SpanOf(string name, ActivityKind kind, string correlationId)
        => Assert.Single(_spans.Snapshot(), s => s.DisplayName == name && s.Kind == kind && (string?)s.GetTagItem(GatewayTelemetry.CorrelationIdAttribute) == correlationId);

    private readonly ConcurrentQueue<ToolExecutedEventArgs> _executed = new();

    public void Dispose() => _logs.Dispose();
}

/// <summary>Keeps every log entry with the correlation id of its scope, as a structured sink (JSON console, OTLP) sees it.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var holder = new IdBox();
            owner._scopes.ForEachScope(
                static (scope, found) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs && pairs.FirstOrDefault(p => p.Key == "CorrelationId").Value is string value)
                    {
                        found.Id = value;
                    }
                },
                holder);
            owner.Entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), holder.Id));
        }
    }

    private sealed class IdBox
    {
        public string? Id { get; set; }
    }
}

internal sealed record CapturedLog(string Category, LogLevel Level, string Message, string? CorrelationId);
