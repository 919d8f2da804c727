using System.Collections.Concurrent;
using McpFoundation.Audit;
using McpFoundation.Configuration;
using McpFoundation.Emergency;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Storage;
using McpFoundation.Telemetry;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.Tests.Emergency;

/// <summary>The emergency switch on its own: refusal, cancellation with its code, audit, events, persistence, resume rules.</summary>
[Trait("Category", "Unit")]
public sealed class EmergencyStopTests : IAsyncLifetime, IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 14, 0, 0, TimeSpan.Zero));
    private readonly OperationRegistry _operations = new();
    private readonly MemoryStateStore _store = new();
    private readonly RecordingSink _sink = new();
    private readonly GatewayEvents _events = new(NullLogger<GatewayEvents>.Instance);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "mcpf-unit-emergency", Guid.NewGuid().ToString("N"));
    private EmergencyStateStore _stateStore = null!;
    private EmergencyStop _stop = null!;
    private readonly List<IDisposable> _disposables = [];

    public Task InitializeAsync()
    {
        var configuration = new GatewayConfiguration { Settings = new GatewaySettings { DataDirectory = _dataDirectory } };
        _stateStore = new EmergencyStateStore(_store);
        _stop = new EmergencyStop(_operations, new GatewayConfigurationProvider(configuration), _stateStore, _sink, _events, _time, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stateStore.DisposeAsync();
        await _events.DisposeAsync();
    }

    public void Dispose()
    {
        // The stores are disposed asynchronously in DisposeAsync; this satisfies the analyzer's ownership rule.
        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    [Fact]
    public async Task Filter_NotStopped_AllowsWithoutAllocatingADecision()
    {
        var filter = new EmergencyStopFilter(_stop);

        SecurityDecision decision = await filter.OnRequestAsync(new OperationContext(OperationCategory.ToolExecution, "tools/call"));

        Assert.True(decision.IsAllowed);
    }

    [Fact]
    public async Task Trigger_RefusesWithEmergencyStoppedSayingWhoWhyAndHowToResume()
    {
        await _stop.TriggerAsync("leaked token", "alice", EmergencyChannels.Library);

        SecurityDecision decision = await new EmergencyStopFilter(_stop).OnRequestAsync(new OperationContext(OperationCategory.ToolExecution, "tools/call"));

        Assert.False(decision.IsAllowed);
        Assert.Equal(GatewayErrorCodes.EmergencyStopped, decision.Code);
        Assert.Equal(EmergencyStopFilter.FilterName, decision.DeniedBy);
        Assert.Contains("by alice through library", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("leaked token", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("2026-12-01T14:00:00Z", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("mcpf resume", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_CancelsEveryOperationInFlightWithTheEmergencyCode()
    {
        InFlightOperation first = _operations.Register(new OperationContext(OperationCategory.ToolExecution, "tools/call"));
        InFlightOperation second = _operations.Register(new OperationContext(OperationCategory.ToolExecution, "resources/read"));

        await _stop.TriggerAsync("stop", "alice", EmergencyChannels.Library);

        // The code and reason are set before the trigger returns; the tokens are cancelled right after, on the pool,
        // once every caller has been answered.
        Assert.All([first, second], o => Assert.Equal(GatewayErrorCodes.EmergencyStopped, o.CancelCode));
        await Task.WhenAll(WhenCancelledAsync(first.Token), WhenCancelledAsync(second.Token)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All([first, second], o => Assert.Equal(_stop.RefusalMessage, o.CancelReason));
    }

    [Fact]
    public async Task Trigger_Twice_KeepsTheFirstStopsWhoAndWhy()
    {
        await _stop.TriggerAsync("first", "alice", EmergencyChannels.Library);
        EmergencyState second = await _stop.TriggerAsync("second", "bob", EmergencyChannels.AdminApi);

        Assert.Equal("alice", second.Initiator);
        Assert.Equal("first", second.Reason);
        Assert.Single(_sink.Records, r => r.Kind == "emergency_activated");
    }

    [Fact]
    public async Task Trigger_AuditsRaisesAndSavesTheState()
    {
        var raised = new TaskCompletionSource<EmergencyActivatedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        _stop.Activated += (_, e) => raised.TrySetResult(e);

        await _stop.TriggerAsync("why", "alice", EmergencyChannels.Signal);

        SecurityEventRecord record = Assert.Single(_sink.Records);
        Assert.Equal(("emergency_activated", "alice", EmergencyChannels.Signal, "why"), (record.Kind, record.Initiator, record.Channel, record.Reason));
        EmergencyActivatedEventArgs args = await raised.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("alice", args.State.Initiator);
        StateEntry saved = Assert.IsType<StateEntry>(await _store.GetAsync(EmergencyStateStore.Key));
        EmergencyState state = EmergencyStateStore.Parse(saved.Value);
        Assert.True(state.IsActive);
        Assert.Equal(("why", "alice", EmergencyChannels.Signal), (state.Reason, state.Initiator, state.Channel));
        Assert.Contains("\"active\":true", saved.Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Resume_WithoutAReason_IsRefusedAndTheGatewayStaysStopped(string reason)
    {
        await _stop.TriggerAsync("why", "alice", EmergencyChannels.Library);

        ArgumentException refused = await Assert.ThrowsAsync<ArgumentException>(() => _stop.ResumeAsync("alice", reason, EmergencyChannels.Library));

        Assert.Contains("needs a reason", refused.Message, StringComparison.Ordinal);
        Assert.True(_stop.IsActive);
    }

    [Fact]
    public async Task Resume_AllowsAgainAuditsAndSavesWhoResumed()
    {
        await _stop.TriggerAsync("why", "alice", EmergencyChannels.Library);
        _time.Advance(TimeSpan.FromMinutes(5));

        EmergencyState resumed = await _stop.ResumeAsync("bob", "contained", EmergencyChannels.AdminApi);

        Assert.False(_stop.IsActive);
        Assert.Null(_stop.RefusalMessage);
        Assert.Equal(("bob", "contained", EmergencyChannels.AdminApi), (resumed.ResumedBy, resumed.ResumeReason, resumed.ResumeChannel));
        Assert.Equal(_time.GetUtcNow(), resumed.ResumedAt);
        Assert.Contains(_sink.Records, r => r.Kind == "emergency_resumed" && r.Initiator == "bob" && r.Reason == "contained");
        Assert.False(EmergencyStateStore.Parse((await _store.GetAsync(EmergencyStateStore.Key))!.Value).IsActive);
        Assert.True((await new EmergencyStopFilter(_stop).OnRequestAsync(new OperationContext(OperationCategory.ToolExecution, "tools/call"))).IsAllowed);
    }

    [Fact]
    public async Task ApplyStored_FromAnotherProcess_StopsAndResumesWithoutWritingBack()
    {
        var stored = new EmergencyState { IsActive = true, Reason = "from the cli", Initiator = "ops", Channel = EmergencyChannels.Cli, ActivatedAt = _time.GetUtcNow() };

        await _stop.ApplyStoredAsync(stored);

        Assert.True(_stop.IsActive);
        Assert.Equal(EmergencyChannels.Cli, _stop.State.Channel);
        Assert.Null(await _store.GetAsync(EmergencyStateStore.Key));

        await _stop.ApplyStoredAsync(stored with { IsActive = false, ResumedBy = "ops", ResumeReason = "ok", ResumeChannel = EmergencyChannels.Cli });

        Assert.False(_stop.IsActive);
        Assert.Null(await _store.GetAsync(EmergencyStateStore.Key));
    }

    [Fact]
    public async Task Pipeline_ResultArrivingAfterTheStop_NeverReachesTheCaller()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new GatewayMetrics(services.GetRequiredService<IMeterFactory>());
        var pipeline = new OperationPipeline([new EmergencyStopFilter(_stop)], _operations, metrics, TimeProvider.System, NullLogger<OperationPipeline>.Instance);
        var context = new OperationContext(OperationCategory.ToolExecution, "tools/call");
        context.Resolve("s__t", "s", "t", null);

        // The terminal (the router) gets its answer only after the stop, and ignores its token, as a late downstream would.
        PipelineResult<string> refused = await pipeline.ExecuteAsync(context, this, static async (_, self, _) =>
        {
            await self._stop.TriggerAsync("late", "alice", EmergencyChannels.Library, cancellationToken: CancellationToken.None);
            return "a downstream result";
        });

        Assert.False(refused.IsAllowed);
        Assert.Null(refused.Value);
        Assert.Equal(GatewayErrorCodes.EmergencyStopped, refused.Decision.Code);
        Assert.Contains("late", refused.Decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyStored_OwnStopReadAfterTheResume_IsIgnoredAndTheGatewayStaysResumed()
    {
        // The watcher can read this gateway's own write of the stop after the resume in memory, before the resume's
        // write lands: applying it would stop the gateway again with the old reason.
        EmergencyState stop = await _stop.TriggerAsync("incident", "alice", EmergencyChannels.Library);
        await _stop.ResumeAsync("alice", "contained", EmergencyChannels.Library);

        await _stop.ApplyStoredAsync(stop);

        Assert.False(_stop.IsActive);
    }

    [Fact]
    public async Task ApplyStored_ResumeOfAnEarlierStop_IsIgnoredAndTheGatewayStaysStopped()
    {
        EmergencyState first = await _stop.TriggerAsync("first", "alice", EmergencyChannels.Library);
        EmergencyState resumed = await _stop.ResumeAsync("alice", "contained", EmergencyChannels.Library);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _stop.TriggerAsync("second", "bob", EmergencyChannels.AdminApi);

        await _stop.ApplyStoredAsync(resumed);

        Assert.True(_stop.IsActive);
        Assert.Equal("second", _stop.State.Reason);
        Assert.NotEqual(first.ActivatedAt, _stop.State.ActivatedAt);
    }

    [Fact]
    public async Task Trigger_CallWaitingOnAnUnresponsiveTerminal_IsAnsweredAtOnceAndTheTerminalIsStillCancelled()
    {
        OperationPipeline pipeline = CreatePipeline();
        var terminalCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new OperationContext(OperationCategory.ToolExecution, "tools/call");
        context.Resolve("s__t", "s", "t", null);

        // A terminal that only finishes when released, long after the stop: its unwinding must not hold up the answer.
        Task<PipelineResult<string>> call = pipeline.ExecuteAsync(context, (Cancelled: terminalCancelled, Release: release), static async (_, state, ct) =>
        {
            using CancellationTokenRegistration registration = ct.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), state.Cancelled);
            return await state.Release.Task;
        }).AsTask();
        Assert.False(call.IsCompleted);

        await _stop.TriggerAsync("stop now", "alice", EmergencyChannels.Library);

        PipelineResult<string> refused = await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(refused.IsAllowed);
        Assert.Equal(GatewayErrorCodes.EmergencyStopped, refused.Decision.Code);
        Assert.Contains("stop now", refused.Decision.Reason, StringComparison.Ordinal);
        Assert.Equal(0, _operations.Count);
        await terminalCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the downstream side is still told
        release.SetResult("a late result nobody sees");
    }

    [Fact]
    public async Task CancelAll_HundredsOfCallsInFlight_AnswersEveryOneAndCancelsEveryToken()
    {
        const int Calls = 300; // several batches
        OperationPipeline pipeline = CreatePipeline();
        var tokensCancelled = new CountdownEvent(Calls);
        var never = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<PipelineResult<string>>[] calls = [.. Enumerable.Range(0, Calls).Select(i =>
        {
            var context = new OperationContext(OperationCategory.ToolExecution, "tools/call");
            context.Resolve("s__t", "s", "t", null);
            return pipeline.ExecuteAsync(context, (Cancelled: tokensCancelled, Never: never), static async (_, state, ct) =>
            {
                using CancellationTokenRegistration registration = ct.Register(static s => ((CountdownEvent)s!).Signal(), state.Cancelled);
                return await state.Never.Task;
            }).AsTask();
        })];
        Assert.Equal(Calls, _operations.Count);

        int cancelled = _operations.CancelAll("stopped", GatewayErrorCodes.EmergencyStopped);

        Assert.Equal(Calls, cancelled);
        foreach (Task<PipelineResult<string>> call in calls)
        {
            PipelineResult<string> refused = await call.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(refused.IsAllowed);
            Assert.Equal(GatewayErrorCodes.EmergencyStopped, refused.Decision.Code);
        }

        Assert.True(tokensCancelled.Wait(TimeSpan.FromSeconds(10)), $"{tokensCancelled.CurrentCount} terminals were never cancelled.");
        Assert.Equal(0, _operations.Count);
        tokensCancelled.Dispose();
    }

    [Fact]
    public void CancelAll_ThreadPoolStarved_AnswersEveryCallWithoutThePool() =>
        CancelAllWithThePoolBlocked_AnswersEveryCall(CreatePipeline()); // 300 calls: all batches but the first go to the responder threads

    [Fact]
    public void CancelAll_CallsWaitingInAFilter_AnsweredWithoutThePool() =>
        // Calls held by a filter (as the audit's commit, a limiter's queue or an approval hold them) are answered by
        // cancelling their token, in the batches themselves: not after them, on a pool that may be starved.
        CancelAllWithThePoolBlocked_AnswersEveryCall(CreatePipeline(new WaitingFilter()));

    /// <summary>Starts 300 calls that never finish, blocks every pool thread, stops, and checks that every call is answered -31050.</summary>
    private void CancelAllWithThePoolBlocked_AnswersEveryCall(OperationPipeline pipeline)
    {
        const int Calls = 300;
        var never = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<PipelineResult<string>>[] calls = [.. Enumerable.Range(0, Calls).Select(i =>
        {
            var context = new OperationContext(OperationCategory.ToolExecution, "tools/call");
            context.Resolve("s__t", "s", "t", null);
            return pipeline.ExecuteAsync(context, never, static async (_, state, _) => await state.Task).AsTask();
        })];

        // Every pool thread blocked, and more blockers queued for any thread the pool adds: a batch queued to the
        // pool would wait for the gate. Everything below runs on this thread, without an await.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // not disposable: blockers still queued when the test ends just pass
        var blocker = new PoolBlocker(gate.Task);
        for (int i = 0; i < 64; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static b => b.Block(), blocker, preferLocal: false);
        }

        try
        {
            Assert.True(SpinWait.SpinUntil(() => blocker.Started > 0 && ThreadPool.PendingWorkItemCount > 0, TimeSpan.FromSeconds(10)), "The pool never ran a blocker.");

            int cancelled = _operations.CancelAll("stopped", GatewayErrorCodes.EmergencyStopped);

            Assert.Equal(Calls, cancelled);
            bool allAnswered = SpinWait.SpinUntil(() => calls.All(c => c.IsCompleted), TimeSpan.FromSeconds(5));
            Assert.True(allAnswered, $"{calls.Count(c => !c.IsCompleted)} of {Calls} calls were not answered while the pool was blocked.");
            Assert.All(calls, c => Assert.Equal(GatewayErrorCodes.EmergencyStopped, c.Result.Decision.Code));
        }
        finally
        {
            gate.SetResult();
        }
    }

    private static Task WhenCancelledAsync(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), cancelled);
        return cancelled.Task;
    }

    private OperationPipeline CreatePipeline(params IOperationFilter[] more)
    {
        ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _disposables.Add(services);
        var metrics = new GatewayMetrics(services.GetRequiredService<IMeterFactory>());
        return new OperationPipeline([new EmergencyStopFilter(_stop), .. more], _operations, metrics, TimeProvider.System, NullLogger<OperationPipeline>.Instance);
    }

    /// <summary>Holds every call until its token is cancelled.</summary>
    private sealed class WaitingFilter : INonBlockingFilter
    {
        public string Name => "waiting";

        public async ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return SecurityDecision.Allow;
        }
    }

    /// <summary>Holds a pool thread until the gate opens.</summary>
    private sealed class PoolBlocker(Task gate)
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public void Block()
        {
            Interlocked.Increment(ref _started);
            gate.Wait(TimeSpan.FromSeconds(30)); // blocks the pool thread on purpose: the test is about a starved pool
        }
    }

    /// <summary>A state store in memory (the SQLite store has tests of its own).</summary>
    private sealed class MemoryStateStore : IStateStore
    {
        private readonly ConcurrentDictionary<string, StateEntry> _entries = new(StringComparer.Ordinal);

        public ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_entries.TryGetValue(key, out StateEntry? entry) ? entry : null);

        public ValueTask<StateEntry> SetAsync(string key, string value, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_entries.AddOrUpdate(
                key,
                k => new StateEntry(k, value, 1, DateTimeOffset.UnixEpoch),
                (k, old) => new StateEntry(k, value, old.Version + 1, DateTimeOffset.UnixEpoch)));

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => ValueTask.FromResult(_entries.TryRemove(key, out _));

        public ValueTask<IReadOnlyList<StateEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<StateEntry>>([.. _entries.Values.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal)]);
    }

    private sealed class RecordingSink : ISecurityEventSink
    {
        private readonly ConcurrentQueue<SecurityEventRecord> _records = new();

        public IReadOnlyCollection<SecurityEventRecord> Records => _records;

        public void Post(SecurityEventRecord record) => _records.Enqueue(record);
    }
}
