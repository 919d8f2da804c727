using System.Diagnostics.Metrics;
using McpFoundation.Pipeline;
using McpFoundation.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;

namespace McpFoundation.Tests.Pipeline;

[Trait("Category", "Unit")]
public sealed class OperationPipelineTests
{
    private readonly List<string> _journal = [];

    [Fact]
    public async Task ExecuteAsync_NoFilters_RunsTerminalAndReturnsItsValue()
    {
        OperationPipeline pipeline = CreatePipeline();

        PipelineResult<int> result = await pipeline.ExecuteAsync(NewContext(), 41, static (_, state, _) => ValueTask.FromResult(state + 1));

        Assert.True(result.IsAllowed);
        Assert.Equal(42, result.Value);
    }

    [Fact]
    public async Task ExecuteAsync_AllFiltersAllow_RunsThemInOrderThenTerminalThenCompletesInReverse()
    {
        OperationPipeline pipeline = CreatePipeline(new RecordingFilter("a", _journal), new RecordingFilter("b", _journal));

        PipelineResult<string> result = await pipeline.ExecuteAsync(NewContext(), _journal, static (_, journal, _) =>
        {
            journal.Add("terminal");
            return ValueTask.FromResult("done");
        });

        Assert.Equal("done", result.Value);
        Assert.Equal(["a:request", "b:request", "terminal", "b:completed:True", "a:completed:True"], _journal);
    }

    [Fact]
    public async Task ExecuteAsync_FilterDenies_StopsBeforeTerminalAndLaterFilters()
    {
        var deny = new RecordingFilter("deny", _journal) { Decision = SecurityDecision.Deny(GatewayErrorCodes.OperationDenied, "not today") };
        OperationPipeline pipeline = CreatePipeline(new RecordingFilter("first", _journal), deny, new RecordingFilter("never", _journal));

        PipelineResult<string> result = await pipeline.ExecuteAsync(NewContext(), _journal, static (_, journal, _) =>
        {
            journal.Add("terminal");
            return ValueTask.FromResult("done");
        });

        Assert.False(result.IsAllowed);
        Assert.Equal(GatewayErrorCodes.OperationDenied, result.Decision.Code);
        Assert.Equal("not today", result.Decision.Reason);
        Assert.Equal("deny", result.Decision.DeniedBy);
        Assert.DoesNotContain("terminal", _journal);
        Assert.DoesNotContain("never:request", _journal);
        Assert.Contains($"first:completed:False", _journal);
    }

    [Fact]
    public async Task ExecuteAsync_FilterThrows_DeniesWithFilterFailed()
    {
        OperationPipeline pipeline = CreatePipeline(new ThrowingFilter());
        OperationContext context = NewContext();

        PipelineResult<string> result = await pipeline.ExecuteAsync(context, 0, static (_, _, _) => ValueTask.FromResult("should not run"));

        Assert.False(result.IsAllowed);
        Assert.Equal(GatewayErrorCodes.FilterFailed, result.Decision.Code);
        Assert.Equal("throwing", result.Decision.DeniedBy);
        Assert.Contains(context.CorrelationId, result.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_TerminalThrowsProtocolError_RethrowsAndReportsCodeToFilters()
    {
        var filter = new RecordingFilter("observer", _journal);
        OperationPipeline pipeline = CreatePipeline(filter);

        McpProtocolException thrown = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await pipeline.ExecuteAsync<int, int>(NewContext(), 0, static (_, _, _) => throw new McpProtocolException("downstream says no", (McpErrorCode)(-32042))));

        Assert.Equal("downstream says no", thrown.Message);
        Assert.Equal(-32042, filter.LastOutcome?.ErrorCode);
        Assert.False(filter.LastOutcome?.Succeeded);
    }

    [Fact]
    public async Task ExecuteAsync_DenialWithoutFilterName_IsAttributedToTheFilter()
    {
        var filter = new RecordingFilter("policy", _journal) { Decision = SecurityDecision.Deny(GatewayErrorCodes.OperationDenied, "no") };
        OperationPipeline pipeline = CreatePipeline(filter);

        PipelineResult<int> result = await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult(1));

        Assert.Equal("policy", result.Decision.DeniedBy);
    }

    [Fact]
    public async Task CheckAsync_NotificationDeniedByAFilter_ReturnsDenialWithoutCompletingFilters()
    {
        var observer = new RecordingFilter("observer", _journal);
        var deny = new RecordingFilter("redactor", _journal) { Decision = SecurityDecision.Deny(GatewayErrorCodes.OperationDenied, "drop") };
        OperationPipeline pipeline = CreatePipeline(observer, deny);

        SecurityDecision decision = await pipeline.CheckAsync(new OperationContext(OperationCategory.ServerNotification, "notifications/progress"));

        Assert.False(decision.IsAllowed);
        Assert.Equal("redactor", decision.DeniedBy);
        Assert.Equal(["observer:request", "redactor:request"], _journal);
    }

    [Fact]
    public async Task CheckAsync_NoFilters_AllowsSynchronously()
    {
        OperationPipeline pipeline = CreatePipeline();

        ValueTask<SecurityDecision> pending = pipeline.CheckAsync(new OperationContext(OperationCategory.ServerNotification, "notifications/message"));

        Assert.True(pending.IsCompletedSuccessfully);
        Assert.True((await pending).IsAllowed);
    }

    [Fact]
    public async Task ExecuteAsync_RecordsOperationMetricWithOutcome()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new GatewayMetrics(services.GetRequiredService<IMeterFactory>());
        var pipeline = new OperationPipeline([], metrics, NullLogger<OperationPipeline>.Instance);
        var outcomes = new List<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GatewayTelemetry.SourceName && instrument.Name == "mcpfoundation.operations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "mcpfoundation.outcome")
                {
                    outcomes.Add(tag.Value as string);
                }
            }
        });
        listener.Start();

        await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult(1));

        Assert.Equal(["ok"], outcomes);
    }

    private static OperationContext NewContext() => new(OperationCategory.ToolExecution, "tools/call") { TargetName = "server__tool" };

    private static OperationPipeline CreatePipeline(params IOperationFilter[] filters)
    {
        ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new OperationPipeline(filters, new GatewayMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<OperationPipeline>.Instance);
    }

    private sealed class RecordingFilter(string name, List<string> journal) : IOperationFilter
    {
        public string Name => name;

        public SecurityDecision Decision { get; init; } = SecurityDecision.Allow;

        public OperationOutcome? LastOutcome { get; private set; }

        public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
        {
            journal.Add($"{name}:request");
            return ValueTask.FromResult(Decision);
        }

        public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
        {
            LastOutcome = outcome;
            journal.Add($"{name}:completed:{outcome.Succeeded}");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingFilter : IOperationFilter
    {
        public string Name => "throwing";

        public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the policy store is down");
    }
}
