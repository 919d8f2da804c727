using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    public async Task ExecuteAsync_RequireInputOutsideAStatelessToolCall_FailsClosed()
    {
        var input = new ModelContextProtocol.Protocol.InputRequiredResult { RequestState = "mcpf-approval-x" };
        var first = new RecordingFilter("first", _journal);
        OperationPipeline pipeline = CreatePipeline(first, new RecordingFilter("asks", _journal) { Decision = SecurityDecision.RequireInput(input) });

        PipelineResult<int> result = await pipeline.ExecuteAsync(NewContext(), _journal, static (_, journal, _) =>
        {
            journal.Add("terminal");
            return ValueTask.FromResult(1);
        });

        // A library call (no session) cannot carry an input-required answer.
        Assert.False(result.IsAllowed);
        Assert.False(result.Decision.IsInputRequired);
        Assert.Equal((GatewayErrorCodes.FilterFailed, "asks"), (result.Decision.Code, result.Decision.DeniedBy));
        Assert.DoesNotContain("terminal", _journal);
        Assert.Equal(1, _journal.Count(e => e.StartsWith("first:completed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ExecuteAsync_DenialWithRuleAndHintWithoutFilterName_KeepsRuleAndHint()
    {
        var filter = new RecordingFilter("policy", _journal) { Decision = SecurityDecision.Deny(GatewayErrorCodes.ApprovalRefused, "no", deniedBy: null, rule: "confirm-mail", hint: "approve it") };
        OperationPipeline pipeline = CreatePipeline(filter);

        PipelineResult<int> result = await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult(1));

        Assert.Equal(("policy", "confirm-mail", "approve it"), (result.Decision.DeniedBy, result.Decision.Rule, result.Decision.Hint));
    }

    [Fact]
    public async Task ForwardNotificationAsync_DeniedByAFilter_IsNotSentAndEarlierFiltersAreCompleted()
    {
        var observer = new RecordingFilter("observer", _journal);
        var deny = new RecordingFilter("redactor", _journal) { Decision = SecurityDecision.Deny(GatewayErrorCodes.OperationDenied, "drop") };
        OperationPipeline pipeline = CreatePipeline(observer, deny);
        int sent = 0;

        bool delivered = await pipeline.ForwardNotificationAsync(
            new NotificationRoute("notifications/progress", "fixture", "fixture__echo", null), new JsonObject { ["progress"] = 1 }, 0, (_, _, _) => { sent++; return Task.CompletedTask; });

        Assert.False(delivered);
        Assert.Equal(0, sent);
        Assert.Equal(["observer:request", "redactor:request", "observer:completed:False"], _journal);
    }

    [Fact]
    public async Task ForwardNotificationAsync_NoFilters_SendsSynchronously()
    {
        OperationPipeline pipeline = CreatePipeline();
        JsonNode? seen = null;

        ValueTask<bool> pending = pipeline.ForwardNotificationAsync(
            new NotificationRoute("notifications/message", "fixture", null, null), new JsonObject { ["level"] = "info" }, 0, (_, p, _) => { seen = p; return Task.CompletedTask; });

        Assert.True(pending.IsCompletedSuccessfully);
        Assert.True(await pending);
        Assert.Equal("info", seen?["level"]?.GetValue<string>());
    }

    [Fact]
    public async Task ForwardNotificationAsync_FilterReplacesArguments_SendsTheReplacement()
    {
        var redactor = new DelegateFilter("redactor", onRequest: ctx =>
        {
            var redacted = new Dictionary<string, JsonElement>(ctx.Arguments!) { ["data"] = JsonSerializer.SerializeToElement("[redacted]") };
            ctx.ReplaceArguments(redacted, "redactor");
        });
        OperationPipeline pipeline = CreatePipeline(redactor);
        JsonNode? seen = null;

        await pipeline.ForwardNotificationAsync(
            new NotificationRoute("notifications/message", "fixture", null, null), new JsonObject { ["level"] = "info", ["data"] = "secret" }, 0, (_, p, _) => { seen = p; return Task.CompletedTask; });

        Assert.Equal("[redacted]", seen?["data"]?.GetValue<string>());
        Assert.Equal("info", seen?["level"]?.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_LaterFilterCancelled_EarlierFiltersAreToldOnce()
    {
        using var cancel = new CancellationTokenSource();
        var limiter = new RecordingFilter("limiter", _journal);
        var approval = new DelegateFilter("approval", onRequestAsync: async (_, ct) =>
        {
            await cancel.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return SecurityDecision.Allow;
        });
        OperationPipeline pipeline = CreatePipeline(limiter, approval);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult(1), cancel.Token));

        Assert.Equal(["limiter:request", "limiter:completed:False"], _journal);
        Assert.True(limiter.LastOutcome?.Cancelled);
        Assert.Equal(0, pipeline.Registry.Count);
    }

    [Fact]
    public async Task ExecuteAsync_LaterFilterThrows_EarlierFiltersAreToldOfTheDenial()
    {
        var limiter = new RecordingFilter("limiter", _journal);
        OperationPipeline pipeline = CreatePipeline(limiter, new ThrowingFilter());

        PipelineResult<int> result = await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult(1));

        Assert.False(result.IsAllowed);
        Assert.Equal(["limiter:request", "limiter:completed:False"], _journal);
        Assert.Equal(GatewayErrorCodes.FilterFailed, limiter.LastOutcome?.ErrorCode);
        Assert.Equal("throwing", limiter.LastOutcome?.DeniedBy);
    }

    [Fact]
    public async Task ExecuteAsync_TerminalCancelled_FiltersAreToldCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var filter = new RecordingFilter("observer", _journal);
        OperationPipeline pipeline = CreatePipeline(filter);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await pipeline.ExecuteAsync(NewContext(), cancel, static async (_, c, ct) =>
            {
                await c.CancelAsync();
                ct.ThrowIfCancellationRequested();
                return 1;
            }, cancel.Token));

        Assert.Equal(["observer:request", "observer:completed:False"], _journal);
        Assert.True(filter.LastOutcome?.Cancelled);
    }

    [Fact]
    public async Task ExecuteAsync_TerminalDefers_NoOutcomeUntilCompletedLaterExactlyOnce()
    {
        var filter = new RecordingFilter("observer", _journal);
        OperationPipeline pipeline = CreatePipeline(filter);
        OperationContext context = NewContext();

        await Assert.ThrowsAsync<TimeoutException>(async () =>
            await pipeline.ExecuteAsync<int, int>(context, 0, static (ctx, _, _) =>
            {
                OperationPipeline.Defer(ctx);
                throw new TimeoutException("suspended");
            }));

        Assert.Equal(["observer:request"], _journal);
        Assert.Equal(1, pipeline.Registry.Count);
        Assert.True(pipeline.Registry.Operations.Single().IsSuspended);

        string result = await pipeline.CompleteAsync(context, OperationPipeline.Succeeded(context, "late"), "late");
        await pipeline.CompleteAsync(context, OperationPipeline.Succeeded(context, "again"), "again");

        Assert.Equal("late", result);
        Assert.Equal(["observer:request", "observer:completed:True"], _journal);
        Assert.Equal(0, pipeline.Registry.Count);
    }

    [Fact]
    public async Task ExecuteAsync_WhileRunning_IsInTheRegistryAndCancelAllCancelsIt()
    {
        OperationPipeline pipeline = CreatePipeline();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        ValueTask<PipelineResult<int>> running = pipeline.ExecuteAsync(NewContext(), started, static async (_, s, ct) =>
        {
            s.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        });
        await started.Task;

        Assert.Equal("server__tool", Assert.Single(pipeline.Registry.Operations).Context.TargetName);
        Assert.Equal(1, pipeline.Registry.CancelAll("stopped by the test"));
        PipelineResult<int> cancelled = await running;
        Assert.False(cancelled.IsAllowed);
        Assert.Equal(GatewayErrorCodes.OperationCancelled, cancelled.Decision.Code);
        Assert.Equal("stopped by the test", cancelled.Decision.Reason);
        Assert.Equal(0, pipeline.Registry.Count);
    }

    [Fact]
    public async Task ExecuteAsync_GatewayCancelsWhileAFilterWaits_FilterBeforeIsToldCancelledWithTheReason()
    {
        var observer = new RecordingFilter("observer", _journal);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var approval = new DelegateFilter("approval", onRequestAsync: async (_, ct) =>
        {
            waiting.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return SecurityDecision.Allow;
        });
        OperationPipeline pipeline = CreatePipeline(observer, approval);

        ValueTask<PipelineResult<int>> running = pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult(1));
        await waiting.Task;
        pipeline.Registry.CancelAll("emergency stop by the test");

        PipelineResult<int> refused = await running;
        Assert.Equal((false, GatewayErrorCodes.OperationCancelled), (refused.IsAllowed, refused.Decision.Code));
        Assert.Equal(["observer:request", "observer:completed:False"], _journal);
        Assert.Equal((GatewayErrorCodes.OperationCancelled, "emergency stop by the test", true), (observer.LastOutcome?.ErrorCode, observer.LastOutcome?.ErrorMessage, observer.LastOutcome?.Cancelled));
    }

    [Fact]
    public async Task ReplaceArguments_InOnRequest_LaterFiltersAndTerminalSeeTheReplacement()
    {
        var canonicalizer = new DelegateFilter("canonicalizer", onRequest: ctx =>
            ctx.ReplaceArguments(new Dictionary<string, JsonElement> { ["path"] = JsonSerializer.SerializeToElement("/tmp/b") }, "canonicalizer"));
        string? seenByPolicy = null;
        var policy = new DelegateFilter("policy", onRequest: ctx => seenByPolicy = ctx.Arguments!["path"].GetString());
        OperationPipeline pipeline = CreatePipeline(canonicalizer, policy);
        OperationContext context = NewContext(new Dictionary<string, JsonElement> { ["path"] = JsonSerializer.SerializeToElement("/tmp/a/../b") });

        PipelineResult<string?> result = await pipeline.ExecuteAsync(context, 0, static (ctx, _, _) => ValueTask.FromResult(ctx.Arguments!["path"].GetString()));

        Assert.Equal("/tmp/b", seenByPolicy);
        Assert.Equal("/tmp/b", result.Value);
        Assert.Equal("canonicalizer", context.ArgumentsReplacedBy);
    }

    [Fact]
    public async Task ReplaceArguments_AfterRouting_IsRefused()
    {
        OperationPipeline pipeline = CreatePipeline();
        OperationContext context = NewContext(new Dictionary<string, JsonElement>());

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await pipeline.ExecuteAsync(context, 0, static (ctx, _, _) =>
            {
                ctx.ReplaceArguments(new Dictionary<string, JsonElement>(), "late");
                return ValueTask.FromResult(1);
            }));
    }

    [Fact]
    public void Resolve_OnceThePipelineRuns_IsRefused()
    {
        OperationContext context = NewContext();
        context.EnterFilters(DateTimeOffset.UnixEpoch);

        Assert.Throws<InvalidOperationException>(() => context.Resolve("other__tool", "other", "tool", null));
        Assert.Equal("server", context.ServerId);
    }

    [Fact]
    public async Task ReplaceResult_InOnCompleted_ClientGetsTheReplacementAndOuterFiltersSeeIt()
    {
        object? seenByOuter = null;
        var outer = new DelegateFilter("audit", onCompleted: (_, outcome) => seenByOuter = outcome.Result);
        var redactor = new DelegateFilter("redactor", onCompleted: (ctx, outcome) => ctx.ReplaceResult(((string)outcome.Result!).Replace("secret", "[redacted]", StringComparison.Ordinal), "redactor"));
        OperationPipeline pipeline = CreatePipeline(outer, redactor);
        OperationContext context = NewContext();

        PipelineResult<string> result = await pipeline.ExecuteAsync(context, 0, static (_, _, _) => ValueTask.FromResult("the secret"));

        Assert.Equal("the [redacted]", result.Value);
        Assert.Equal("the [redacted]", seenByOuter);
        Assert.Equal("redactor", context.ResultReplacedBy);
    }

    [Fact]
    public async Task ReplaceResult_OfAnotherType_IsRefusedAndTheResultIsKept()
    {
        var wrong = new DelegateFilter("wrong", onCompleted: (ctx, _) => ctx.ReplaceResult(42, "wrong"));
        OperationPipeline pipeline = CreatePipeline(wrong);

        PipelineResult<string> result = await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult("kept"));

        Assert.Equal("kept", result.Value);
    }

    [Fact]
    public async Task ExecuteAsync_CompletedEvent_RaisedOnceWithTheFinalResult()
    {
        OperationPipeline pipeline = CreatePipeline(new DelegateFilter("redactor", onCompleted: (ctx, _) => ctx.ReplaceResult("changed", "redactor")));
        var seen = new List<object?>();
        pipeline.Completed += (_, outcome) => seen.Add(outcome.Result);

        await pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult("original"));

        Assert.Equal(["changed"], seen);
    }

    [Fact]
    public async Task ExecuteAsync_RecordsOperationMetricWithOutcome()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory meterFactory = services.GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(meterFactory);
        var pipeline = new OperationPipeline([], new OperationRegistry(), metrics, TimeProvider.System, NullLogger<OperationPipeline>.Instance);
        var outcomes = new List<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: tests running in parallel record operations on meters of the same name.
            if (instrument.Meter.Name == GatewayTelemetry.SourceName && ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name == "mcpfoundation.operations")
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

    [Fact]
    public async Task ExecuteAsync_CompletedOnAThreadOutsideThePool_ABlockingFilterIsToldOnThePool()
    {
        // A dedicated thread stands for the gateway's own threads (a child's reader, an inline-I/O socket thread): an
        // answer that arrives there must not run a filter that may block on it.
        var filter = new ThreadNotingFilter();
        OperationPipeline pipeline = CreatePipeline(filter);

        (int caller, bool completedOnPool, int completedOn) = await RunOnDedicatedThreadAsync(pipeline, filter);

        Assert.True(completedOnPool, "the blocking filter's completion ran outside the thread pool");
        Assert.NotEqual(caller, completedOn);
    }

    [Fact]
    public async Task ExecuteAsync_CompletedOnAThreadOutsideThePool_NonBlockingFiltersAreToldThereWithoutAHop()
    {
        var filter = new NonBlockingThreadNotingFilter();
        OperationPipeline pipeline = CreatePipeline(filter);

        (int caller, bool completedOnPool, int completedOn) = await RunOnDedicatedThreadAsync(pipeline, filter);

        Assert.False(completedOnPool);
        Assert.Equal(caller, completedOn);
    }

    private static async Task<(int Caller, bool CompletedOnPool, int CompletedOn)> RunOnDedicatedThreadAsync(OperationPipeline pipeline, ThreadNotingFilter filter)
    {
        Task<PipelineResult<string>>? running = null;
        int caller = 0;
        var thread = new Thread(() =>
        {
            caller = Environment.CurrentManagedThreadId;
            running = pipeline.ExecuteAsync(NewContext(), 0, static (_, _, _) => ValueTask.FromResult("answered")).AsTask();
        });
        thread.Start();
        thread.Join();

        PipelineResult<string> result = await running!;
        Assert.Equal("answered", result.Value);
        (bool onPool, int threadId) = await filter.Completed.Task;
        return (caller, onPool, threadId);
    }

    private class ThreadNotingFilter : IOperationFilter
    {
        public string Name => "thread-noting";

        public TaskCompletionSource<(bool OnPool, int ThreadId)> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(SecurityDecision.Allow);

        public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
        {
            Completed.TrySetResult((Thread.CurrentThread.IsThreadPoolThread, Environment.CurrentManagedThreadId));
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NonBlockingThreadNotingFilter : ThreadNotingFilter, INonBlockingFilter
    {
    }

    private static OperationContext NewContext(IReadOnlyDictionary<string, JsonElement>? arguments = null)
    {
        var context = new OperationContext(OperationCategory.ToolExecution, "tools/call");
        context.Resolve("server__tool", "server", "tool", null);
        context.SetClientArguments(arguments);
        return context;
    }

    private static OperationPipeline CreatePipeline(params IOperationFilter[] filters)
    {
        ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new OperationPipeline(filters, new OperationRegistry(), new GatewayMetrics(services.GetRequiredService<IMeterFactory>()), TimeProvider.System, NullLogger<OperationPipeline>.Instance);
    }

    private sealed class DelegateFilter(
        string name,
        Action<OperationContext>? onRequest = null,
        Func<OperationContext, CancellationToken, Task<SecurityDecision>>? onRequestAsync = null,
        Action<OperationContext, OperationOutcome>? onCompleted = null) : IOperationFilter
    {
        public string Name => name;

        public async ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
        {
            onRequest?.Invoke(context);
            return onRequestAsync is null ? SecurityDecision.Allow : await onRequestAsync(context, cancellationToken);
        }

        public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
        {
            onCompleted?.Invoke(context, outcome);
            return ValueTask.CompletedTask;
        }
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
