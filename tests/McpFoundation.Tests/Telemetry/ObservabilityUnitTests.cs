using System.Diagnostics.Metrics;
using McpFoundation.Configuration;
using McpFoundation.Servers;
using McpFoundation.Telemetry;
using McpFoundation.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace McpFoundation.Tests.Telemetry;

[Trait("Category", "Unit")]
public sealed class ObservabilityUnitTests
{
    [Fact]
    public void ToolStatistics_OfRecordedCalls_CountErrorsAndOrderPercentiles()
    {
        var tracker = new ToolStatisticsTracker();
        for (int i = 1; i <= 100; i++)
        {
            tracker.Record("fs__read", "fs", error: i % 10 == 0, TimeSpan.FromMilliseconds(i));
        }

        ToolStatistics stats = Assert.Single(tracker.Snapshot());
        Assert.Equal(100, stats.Calls);
        Assert.Equal(10, stats.Errors);
        Assert.Equal(0.1, stats.ErrorRate, 3);
        Assert.Equal(TimeSpan.FromMilliseconds(50), stats.P50);
        Assert.Equal(TimeSpan.FromMilliseconds(95), stats.P95);
        Assert.Equal(TimeSpan.FromMilliseconds(99), stats.P99);
    }

    [Fact]
    public void ToolStatistics_KeepOnlyTheLatestCallsForPercentiles()
    {
        var tracker = new ToolStatisticsTracker();
        for (int i = 0; i < ToolStatisticsTracker.ReservoirSize; i++)
        {
            tracker.Record("slow", null, error: false, TimeSpan.FromSeconds(1));
        }

        for (int i = 0; i < ToolStatisticsTracker.ReservoirSize; i++)
        {
            tracker.Record("slow", null, error: false, TimeSpan.FromMilliseconds(1));
        }

        ToolStatistics stats = Assert.Single(tracker.Snapshot());
        Assert.Equal(2 * ToolStatisticsTracker.ReservoirSize, stats.Calls);
        Assert.Equal(TimeSpan.FromMilliseconds(1), stats.P99);
    }

    [Fact]
    public void ServerRestarts_AreCountedWhenAServerThatWasConnectedConnectsAgain()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(factory);
        long restarts = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GatewayTelemetry.SourceName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "mcpfoundation.server.restarts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => restarts += value);
        listener.Start();

        metrics.RecordServerHealth("fs", ServerState.Connecting);
        metrics.RecordServerHealth("fs", ServerState.Connected); // the first connection: no restart
        metrics.RecordServerHealth("fs", ServerState.Failed);
        metrics.RecordServerHealth("fs", ServerState.Connected); // reconnected: one restart
        metrics.RecordServerHealth("other", ServerState.Connected);

        Assert.Equal(1, restarts);
    }

    [Fact]
    public void AuditQueueDepth_IsObservedFromTheDelegateOrTheLastReport()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(factory);
        var seen = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This test's meter only: a listener sees every meter of the name in the process, and other tests' gateways
            // run at the same time (one of them reported its queue depth here once).
            if (instrument.Meter.Name == GatewayTelemetry.SourceName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "mcpfoundation.audit.queue.depth")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => seen.Add(value));
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Empty(seen); // nothing reported yet: no audit, no measurement
        metrics.RecordAuditQueueDepth(7);
        listener.RecordObservableInstruments();
        metrics.ObserveAuditQueueDepth(() => 42);
        listener.RecordObservableInstruments();

        Assert.Equal([7, 42], seen);
    }

    [Theory]
    [InlineData("""{ "servers": {}, "telemetry": { "log_format": "xml" } }""", "telemetry.log_format: must be text or json")]
    [InlineData("""{ "servers": {}, "telemetry": { "otlp_endpoint": "localhost:4317" } }""", "telemetry.otlp_endpoint: must be an absolute http or https URL")]
    [InlineData("""{ "servers": {}, "telemetry": { "prometeus": true } }""", "telemetry.prometeus")]
    [InlineData("""{ "servers": {}, "events": { "webhook_secret": "0123456789abcdef" } }""", "events.webhook_url: is needed when a webhook secret is set")]
    [InlineData("""{ "servers": {}, "events": { "webhook_url": "https://h.example/x", "webhook_secret": "short" } }""", "events.webhook_secret: must be a string of at least 16 characters")]
    public void Sections_WithABadValue_AreRefusedWithThePathAndWhatToWrite(string json, string expected)
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse(json, new Dictionary<string, string?>());

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.ToString().Contains(expected, StringComparison.Ordinal) || (e.Path + ": " + e.Message).Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Sections_WhenValid_AreReadWithTheVariableOverridingTheLogFormat()
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse(
            """{ "servers": {}, "telemetry": { "otlp_endpoint": "http://127.0.0.1:4318", "otlp_protocol": "http/protobuf", "prometheus": true, "log_format": "text" }, "events": { "webhook_url": "https://hooks.example.com/mcpf", "webhook_secret": "0123456789abcdef", "max_attempts": 2 } }""",
            new Dictionary<string, string?> { [TelemetrySettings.LogFormatVariable] = "JSON" });

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        GatewayConfiguration configuration = result.Configuration!;
        Assert.Equal(new Uri("http://127.0.0.1:4318"), configuration.Telemetry.OtlpEndpoint);
        Assert.Equal("http/protobuf", configuration.Telemetry.OtlpProtocol);
        Assert.True(configuration.Telemetry.Prometheus);
        Assert.Equal(LogFormat.Json, configuration.Telemetry.LogFormat);
        Assert.Equal(new Uri("https://hooks.example.com/mcpf"), configuration.Events.WebhookUrl);
        Assert.Equal(2, configuration.Events.MaxAttempts);
        Assert.DoesNotContain("0123456789abcdef", configuration.Events.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_IsTheHexHmacSha256OfTheBody()
    {
        // RFC 4231 test case 2.
        string signature = WebhookEventSink.Sign("Jefe"u8.ToArray(), "what do ya want for nothing?"u8);

        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
    }
}
