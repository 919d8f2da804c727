using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using McpFoundation.Audit.Redaction;
using McpFoundation.Pipeline;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Audit;

/// <summary>
/// The audit trail's one writer. Records are queued on a bounded channel and written by one background thread in group
/// commits (every record waiting, up to <see cref="AuditSettings.MaxBatch"/>, in one transaction). A call's started
/// record is made durable before the call goes on: written into the gateway's journal (<see cref="TryJournal"/>, a
/// memory-mapped file that outlives the process) and queued, or, when there is no journal or it is full, awaited
/// (<see cref="AppendDurableAsync"/>: the call waits for the commit that holds it, shared with other calls' records);
/// every other record is queued (<see cref="Post(AuditRecord)"/>); a call's finished record is queued with its started
/// record (<see cref="Post(AuditRecord, AuditRecord?)"/>), and a pair that meets in one batch is stored as one record
/// (<see cref="TakeQueued"/>). The writer signs a checkpoint
/// every <see cref="AuditSettings.CheckpointInterval"/> or <see cref="AuditSettings.CheckpointRecords"/> records,
/// marks the calls a crash left unfinished when it starts, and prunes by <c>settings.audit_log_retention</c>.
/// Also the gateway's <see cref="ISecurityEventSink"/>: each event is logged and written.
/// </summary>
internal sealed partial class AuditTrail : ISecurityEventSink, IAsyncDisposable
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private readonly IAuditStore? _store;
    private readonly CheckpointSigner? _signer;
    private readonly AuditSettings _settings;
    private readonly int _retentionDays;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ISecurityEventSink _log;
    // Records whose writers wait for their commit (a call's started record) and flush requests, in order.
    private readonly System.Collections.Concurrent.ConcurrentQueue<Pending> _waiting = new();
    private int _waitingCount;

    // Wakes the writer when it sleeps. It never spins: on two cores a spinning writer takes the CPU from the call it
    // waits for (measured: docs/PERFORMANCE.md). Set by producers, reset by the writer before it looks again.
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 0);

    // 1 once the writer has stopped taking records off _waiting (after the trail was disposed).
    private int _writerStopped;
    private readonly System.Collections.Concurrent.ConcurrentQueue<QueuedRecord> _queued = new();
    private readonly List<AuditRecord> _batch = [];
    private readonly List<long> _batchJournalSlots = []; // the journal slots of _batch's journaled records, freed after its commit
    private readonly Dictionary<AuditRecord, int> _batchStartedAt = new(ReferenceEqualityComparer.Instance); // a started record's place in _batch while it is filled
    private readonly AuditJournal? _journal;
    private readonly string? _dataDirectory; // where the journals of gateways that are gone are looked for at start
    private int _queuedCount;

    // 1 while the writer wakes every QueuedRecordDelay by itself to look at the queue (calls came in the last second).
    private int _polling;
    private readonly Task _writer;
    private readonly CancellationTokenSource _stopping = new();
    private long _dropped;
    private int _disposed;
    private volatile bool _healthy = true;

    public AuditTrail(IAuditStore? store, CheckpointSigner? signer, AuditSettings settings, int retentionDays, Redactor redactor, TimeProvider time, ISecurityEventSink log, ILogger<AuditTrail> logger, AuditJournal? journal = null, string? dataDirectory = null)
    {
        _store = settings.Enabled ? store : null;
        _journal = _store is null ? null : journal;
        _dataDirectory = dataDirectory;
        _signer = signer;
        _settings = settings;
        _retentionDays = retentionDays;
        Redactor = redactor;
        _time = time;
        _log = log;
        _logger = logger;
        _writer = _store is null ? Task.CompletedTask : StartWriterThread();
    }

    /// <summary>Gets or sets where the writer reports each commit's duration (<c>mcpfoundation.audit.write.duration</c>); none when null.</summary>
    public Telemetry.GatewayMetrics? Metrics { get; init; }

    /// <summary>Gets whether records are written (the <c>audit.enabled</c> setting).</summary>
    public bool IsEnabled => _store is not null;

    /// <summary>Gets whether the last write succeeded.</summary>
    public bool IsHealthy => _healthy;

    /// <summary>Gets the store's description, for messages.</summary>
    public string StoreDescription => _store?.Description ?? "none (audit.enabled is false)";

    /// <summary>Gets the settings.</summary>
    public AuditSettings Settings => _settings;

    /// <summary>Gets the redactor of arguments, messages and results.</summary>
    public Redactor Redactor { get; }

    /// <summary>Gets how many queued records could not be written (a full queue or a failed store).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many records wait for the writer.</summary>
    public int QueueDepth => Math.Max(0, Volatile.Read(ref _waitingCount)) + Math.Max(0, Volatile.Read(ref _queuedCount));

    private static readonly TimeSpan PollWhileActiveFor = TimeSpan.FromSeconds(1);

    /// <summary>Queues a record and completes when the commit that holds it is durable: true, or false when the trail cannot be written.</summary>
    public ValueTask<bool> AppendDurableAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        if (_store is null)
        {
            return ValueTask.FromResult(true);
        }

        // Completed by the writer: inline when it is the only waiter of its commit, else on the pool (CompleteWaiters).
        var durable = new TaskCompletionSource<bool>();
        if (!TryEnqueueWaiting(new Pending(record, durable)))
        {
            LogQueueFull(_logger, _settings.QueueCapacity, record.CorrelationId);
            return ValueTask.FromResult(false);
        }

        return new ValueTask<bool>(cancellationToken.CanBeCanceled ? durable.Task.WaitAsync(cancellationToken) : durable.Task);
    }

    /// <summary>
    /// Makes a call's started record durable without waiting: written into the journal and queued for the next commit.
    /// False when there is no journal, it is full, the queue is full or the store is failing (the last commit failed);
    /// the caller then waits for the record's commit instead (<see cref="AppendDurableAsync"/>), which refuses the call
    /// when the trail cannot be written.
    /// </summary>
    public bool TryJournal(AuditRecord record)
    {
        if (_journal is null || !_healthy || Volatile.Read(ref _disposed) != 0 || Volatile.Read(ref _queuedCount) >= _settings.QueueCapacity)
        {
            return false;
        }

        long slot = _journal.TryWrite(record);
        if (slot < 0)
        {
            return false;
        }

        Enqueue(new QueuedRecord(record, slot, null));
        return true;
    }

    /// <summary>
    /// Queues a record (never blocks); a full queue drops it, logged and counted. A queued record is committed with the
    /// next durable one (a call's started record), or <see cref="AuditSettings.QueuedRecordDelay"/> after it was queued at the latest,
    /// or at once when <see cref="AuditSettings.MaxBatch"/> records wait.
    /// </summary>
    public void Post(AuditRecord record) => Post(record, started: null);

    /// <summary>
    /// Queues a call's finished record as <see cref="Post(AuditRecord)"/> does; <paramref name="started"/> is the call's
    /// started record. When both are still queued at the same commit (the call ended before the started record was
    /// committed, which is most calls, since the journal made it durable already), they are stored as one record: the
    /// finished record with the started record's arguments (see docs/audit.md).
    /// </summary>
    public void Post(AuditRecord record, AuditRecord? started)
    {
        if (_store is null)
        {
            return;
        }

        if (Volatile.Read(ref _queuedCount) >= _settings.QueueCapacity || Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Increment(ref _dropped);
            LogQueueFull(_logger, _settings.QueueCapacity, record.CorrelationId);
            return;
        }

        Enqueue(new QueuedRecord(record, -1, started));
    }

    private void Enqueue(QueuedRecord queued)
    {
        _queued.Enqueue(queued);
        int waiting = Interlocked.Increment(ref _queuedCount);
        if ((waiting == 1 && Interlocked.CompareExchange(ref _polling, 0, 0) == 0) || waiting % _settings.MaxBatch == 0)
        {
            // Wake the writer only when it does not look at the queue by itself (it polls while calls come) or a
            // whole batch waits: at one client a call's finished record then costs the writer no wake of its own.
            _wake.Set();
        }
    }

    /// <summary>Queues a record the caller waits for (or a flush) and wakes the writer; false when the queue is full or the trail is disposed.</summary>
    private bool TryEnqueueWaiting(Pending pending)
    {
        if (Volatile.Read(ref _disposed) != 0 || Volatile.Read(ref _waitingCount) >= _settings.QueueCapacity)
        {
            return false;
        }

        _waiting.Enqueue(pending);
        Interlocked.Increment(ref _waitingCount); // a full fence: the read below cannot move before the enqueue
        if (Volatile.Read(ref _writerStopped) != 0)
        {
            // The writer stopped after the check above: it may not see this one (it fails those it does).
            pending.Done!.TrySetResult(false);
            return true;
        }

        _wake.Set();
        return true;
    }

    /// <inheritdoc/>
    public void Post(SecurityEventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _log.Post(record);
        Post(AuditRecords.SecurityEvent(record, _time.GetUtcNow(), Redactor));
    }

    /// <summary>Completes when every record queued before the call is committed (true) or failed (false).</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_store is null)
        {
            return true;
        }

        var flushed = new TaskCompletionSource<bool>();
        if (!TryEnqueueWaiting(new Pending(null, flushed)))
        {
            return false;
        }

        return await flushed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The pipeline's <c>Completed</c> observer: writes the finished record of an operation the audit filter did not see
    /// (a denial by a filter before it, e.g. the policy) and, with <c>record_lists</c>, of allowed list requests.
    /// </summary>
    public void OnOperationCompleted(OperationContext context, OperationOutcome outcome)
    {
        if (_store is null || context.AuditState is not null)
        {
            return;
        }

        bool refused = outcome.DeniedBy is not null || outcome.InputRequired;
        if (refused || (_settings.RecordLists && context.Category == OperationCategory.Discovery))
        {
            Post(AuditRecords.Finished(context, outcome, null, _time.GetUtcNow(), Redactor));
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as the ISecurityEventSink: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _wake.Set();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogStopTimedOut(_logger, QueueDepth);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        // Kept when it still holds a record the store does not have (a failed commit): the next start adds it.
        _journal?.Close(delete: _writer.IsCompletedSuccessfully && _journal.CountPending() == 0);

        // _wake is not disposed: a producer that passed its check just before the disposal may still set it (an
        // event without a wait handle holds nothing to release).
        _stopping.Dispose();
    }

    /// <summary>
    /// The writer runs on a thread of its own, not the pool's: SQLite writes are synchronous, and a WAL checkpoint's
    /// fsync can take tens of milliseconds, which on a pool thread would hold up whatever is queued behind it (an
    /// emergency stop's answers, other calls). It sleeps on its event by blocking, which is what the thread is for. It
    /// is started without the creator's execution context: a logging scope of whichever operation first needed the trail
    /// must not stay on every line the writer logs, nor on the calls it continues inline.
    /// </summary>
    private Task StartWriterThread()
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                WriteLoop();
                finished.TrySetResult();
            }
            catch (Exception ex)
            {
                finished.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "mcpf audit writer",
        };
        thread.UnsafeStart();
        return finished.Task;
    }

    private void WriteLoop()
    {
        IAuditStore store = _store!;
        var durable = new List<AuditRecord>();
        var waiters = new List<TaskCompletionSource<bool>>();
        var commit = new CommitState();
        StartAsync(store).GetAwaiter().GetResult();
        long? queuedSince = null;
        long lastCommitAt = 0;
        while (true)
        {
            if (Volatile.Read(ref _waitingCount) == 0)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    break;
                }

                // While calls come (a commit in the last second) the writer looks at the queued records every
                // QueuedRecordDelay by itself; otherwise a queued record wakes it. Set before the queue is read again,
                // so that a record queued in between is seen either here or by its own wake.
                bool poll = Stopwatch.GetElapsedTime(lastCommitAt) < PollWhileActiveFor;
                Interlocked.Exchange(ref _polling, poll ? 1 : 0);
                int queued = Volatile.Read(ref _queuedCount);
                if (queuedSince is null && queued > 0)
                {
                    queuedSince = Stopwatch.GetTimestamp();
                }

                if (queued >= _settings.MaxBatch || (queuedSince is { } since && Stopwatch.GetElapsedTime(since) >= _settings.QueuedRecordDelay))
                {
                    // Only queued records: a whole batch waits, or the oldest waited long enough for a call's commit.
                    CommitAsync(store, [], [], commit).GetAwaiter().GetResult();
                    queuedSince = Volatile.Read(ref _queuedCount) > 0 ? Stopwatch.GetTimestamp() : null;
                    MaintainAsync(store, commit).GetAwaiter().GetResult();
                    continue;
                }

                long due = NextDueAt(queuedSince ?? (poll ? Stopwatch.GetTimestamp() : null), commit);
                TimeSpan remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (remaining > TimeSpan.Zero)
                {
                    // Reset, then look again: a producer that queued before the reset is seen now, one after it sets
                    // the event again. Scheduling is measured on the Stopwatch: real time even when a test fakes the clock.
                    _wake.Reset();
                    if (Volatile.Read(ref _waitingCount) == 0 && Volatile.Read(ref _disposed) == 0 && Volatile.Read(ref _queuedCount) < _settings.MaxBatch)
                    {
                        _wake.Wait(remaining);
                    }

                    continue;
                }

                MaintainAsync(store, commit).GetAwaiter().GetResult();
                continue;
            }

            durable.Clear();
            waiters.Clear();
            while (waiters.Count < _settings.MaxBatch && _waiting.TryDequeue(out Pending item))
            {
                Interlocked.Decrement(ref _waitingCount);
                if (item.Record is not null)
                {
                    durable.Add(item.Record);
                }

                waiters.Add(item.Done!);
            }

            CommitAsync(store, durable, waiters, commit).GetAwaiter().GetResult();
            lastCommitAt = Stopwatch.GetTimestamp();
            queuedSince = Volatile.Read(ref _queuedCount) > 0 ? queuedSince ?? Stopwatch.GetTimestamp() : null;
            MaintainAsync(store, commit).GetAwaiter().GetResult();
        }

        // Disposed: what was accepted is written; a producer that raced the stop is told it was not (TryEnqueueWaiting).
        Interlocked.Exchange(ref _writerStopped, 1);
        while (_waiting.TryDequeue(out Pending late))
        {
            Interlocked.Decrement(ref _waitingCount);
            durable.Clear();
            if (late.Record is not null)
            {
                durable.Add(late.Record);
            }

            CommitAsync(store, durable, [late.Done!], commit).GetAwaiter().GetResult();
        }

        while (!_queued.IsEmpty)
        {
            CommitAsync(store, [], [], commit).GetAwaiter().GetResult();
        }

        if (commit.SinceCheckpoint > 0)
        {
            CheckpointAsync(store, commit.LastSequence, commit.LastHash!).GetAwaiter().GetResult();
        }
    }

    /// <summary>When the writer must act without being woken: queued records waited long enough, or a checkpoint is due.</summary>
    private long NextDueAt(long? queuedSince, CommitState commit)
    {
        long? due = queuedSince is { } since ? since + (long)(_settings.QueuedRecordDelay.TotalSeconds * Stopwatch.Frequency) : null;
        if (commit.SinceCheckpoint > 0)
        {
            long checkpointAt = commit.LastCheckpointAt + (long)(_settings.CheckpointInterval.TotalSeconds * Stopwatch.Frequency);
            due = due is { } d ? Math.Min(d, checkpointAt) : checkpointAt;
        }

        // The heartbeat goes on while idle: a call may run for minutes with nothing else written.
        long heartbeatAt = commit.LastHeartbeatAt + (long)(AuditInstances.HeartbeatEvery.TotalSeconds * Stopwatch.Frequency);
        return due is { } soonest ? Math.Min(soonest, heartbeatAt) : heartbeatAt;
    }

    /// <summary>
    /// Commits the queued records (oldest first) and then <paramref name="durable"/>, in one transaction when they fit
    /// in a batch, then tells the <paramref name="waiters"/>.
    /// </summary>
    private async Task CommitAsync(IAuditStore store, List<AuditRecord> durable, List<TaskCompletionSource<bool>> waiters, CommitState commit)
    {
        List<AuditRecord> batch = _batch;
        bool written = true;
        do
        {
            batch.Clear();
            _batchJournalSlots.Clear();
            int merged = TakeQueued(batch);

            // A waiter waits for everything queued before it: whole batches of queued records go first, alone.
            bool last = waiters.Count == 0 || _queued.IsEmpty;
            if (last)
            {
                batch.AddRange(durable);
            }

            written = await AppendAsync(store, batch, batch.Count + merged - (last ? durable.Count : 0), commit).ConfigureAwait(false) && written;
            if (last)
            {
                break;
            }
        }
        while (waiters.Count > 0);

        CompleteWaiters(waiters, written);
    }

    /// <summary>
    /// Moves up to a batch of queued records into <paramref name="batch"/>, oldest first, and stores a call whose started
    /// and finished records are both in it as one record, the finished one with the started one's arguments, in the
    /// finished one's place. Returns how many pairs were merged so (each is one record fewer in the batch).
    /// </summary>
    private int TakeQueued(List<AuditRecord> batch)
    {
        Dictionary<AuditRecord, int> startedAt = _batchStartedAt;
        int merged = 0;
        while (batch.Count < _settings.MaxBatch && _queued.TryDequeue(out QueuedRecord queued))
        {
            Interlocked.Decrement(ref _queuedCount);
            if (queued.JournalSlot >= 0)
            {
                _batchJournalSlots.Add(queued.JournalSlot);
            }

            if (queued.Started is { } started && startedAt.Remove(started, out int at))
            {
                batch[at] = null!; // removed below: the finished record stands for the whole call
                batch.Add(queued.Record with { Arguments = started.Arguments });
                merged++;
                continue;
            }

            if (queued.Record.Kind == AuditRecordKind.OperationStarted)
            {
                startedAt[queued.Record] = batch.Count;
            }

            batch.Add(queued.Record);
        }

        startedAt.Clear();
        if (merged > 0)
        {
            batch.RemoveAll(static record => record is null);
        }

        return merged;
    }

    private async Task<bool> AppendAsync(IAuditStore store, List<AuditRecord> batch, int queuedRecords, CommitState commit)
    {
        bool written = true;
        if (batch.Count > 0)
        {
            try
            {
                long started = Stopwatch.GetTimestamp();
                IReadOnlyList<AuditRecord> appended = await store.AppendAsync(batch, _stopping.Token).ConfigureAwait(false);
                Metrics?.RecordAuditWrite(Stopwatch.GetElapsedTime(started));
                commit.LastSequence = appended[^1].Sequence;
                commit.LastHash = appended[^1].Hash;
                commit.SinceCheckpoint += appended.Count;
                foreach (long slot in _batchJournalSlots)
                {
                    _journal!.Free(slot); // the store has the record now
                }

                _batchJournalSlots.Clear();
                if (!_healthy)
                {
                    LogRecovered(_logger, store.Description);
                }

                _healthy = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                written = false;
                _healthy = false;
                // Journaled records stay in the journal (not freed): the next start on this data directory adds them.
                Interlocked.Add(ref _dropped, queuedRecords - _batchJournalSlots.Count);
                _batchJournalSlots.Clear();
                LogWriteFailed(_logger, batch.Count, store.Description, ex);
            }
        }

        return written;
    }

    /// <summary>
    /// Signs a checkpoint when one is due, records that this gateway is alive every <see cref="AuditInstances.HeartbeatEvery"/>
    /// (while it writes), and prunes once an hour.
    /// </summary>
    private async Task MaintainAsync(IAuditStore store, CommitState commit)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (Stopwatch.GetElapsedTime(commit.LastHeartbeatAt) >= AuditInstances.HeartbeatEvery)
        {
            commit.LastHeartbeatAt = Stopwatch.GetTimestamp();
            try
            {
                await store.HeartbeatAsync(AuditInstances.Current(now), _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                LogWriteFailed(_logger, 0, store.Description, ex);
            }
        }

        if (commit.LastPrune is null || now - commit.LastPrune >= PruneEvery)
        {
            commit.LastPrune = now;
            await PruneAsync(store).ConfigureAwait(false);
        }

        if (commit.SinceCheckpoint > 0 && (commit.SinceCheckpoint >= _settings.CheckpointRecords || Stopwatch.GetElapsedTime(commit.LastCheckpointAt) >= _settings.CheckpointInterval))
        {
            await CheckpointAsync(store, commit.LastSequence, commit.LastHash!).ConfigureAwait(false);
            commit.SinceCheckpoint = 0;
            commit.LastCheckpointAt = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Where the chain stands after the last commit, and when it was last signed.</summary>
    private sealed class CommitState
    {
        public long LastSequence { get; set; }

        public string? LastHash { get; set; }

        public long SinceCheckpoint { get; set; }

        public long LastCheckpointAt { get; set; } = Stopwatch.GetTimestamp();

        public DateTimeOffset? LastPrune { get; set; }

        public long LastHeartbeatAt { get; set; } = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Tells the calls waiting for a commit that it is done. A lone waiter (a call at one client) goes on on the writer's
    /// thread until its next wait (forwarding the call), saving a thread hand-off; several go on in parallel on the pool.
    /// </summary>
    private static void CompleteWaiters(List<TaskCompletionSource<bool>> waiters, bool written)
    {
        if (waiters.Count == 1)
        {
            waiters[0].TrySetResult(written);
            return;
        }

        foreach (TaskCompletionSource<bool> waiter in waiters)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Waiter.TrySetResult(state.Written), (Waiter: waiter, Written: written), preferLocal: false);
        }
    }

    /// <summary>Creates the schema and writes a finished record for every call a crash (or a kill) left unfinished.</summary>
    private async Task StartAsync(IAuditStore store)
    {
        try
        {
            await store.InitializeAsync(_stopping.Token).ConfigureAwait(false);
            await store.HeartbeatAsync(AuditInstances.Current(_time.GetUtcNow()), _stopping.Token).ConfigureAwait(false);
            await RecoverJournalsAsync(store).ConfigureAwait(false);
            await MarkUnfinishedAsync(store).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _healthy = false;
            LogWriteFailed(_logger, 0, store.Description, ex);
        }
    }

    /// <summary>
    /// Adds the started records that gateways gone from this data directory (a crash, a kill) left in their journals and
    /// that their store does not have, then deletes those journals. <see cref="MarkUnfinishedAsync"/> then shows them
    /// as unfinished.
    /// </summary>
    private async Task RecoverJournalsAsync(IAuditStore store)
    {
        if (_dataDirectory is null)
        {
            return;
        }

        (IReadOnlyList<AuditRecord> missing, IReadOnlyList<string> files) = await AuditJournalRecovery.FindMissingAsync(store, _dataDirectory, _stopping.Token).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            await store.AppendAsync(missing, _stopping.Token).ConfigureAwait(false);
            LogRecoveredFromJournal(_logger, missing.Count, files.Count);
        }

        AuditJournalRecovery.Delete(files);
    }

    /// <summary>Writes a finished record with outcome <c>unfinished</c> for each call whose gateway is gone (<see cref="AuditInstances"/>).</summary>
    private async Task MarkUnfinishedAsync(IAuditStore store)
    {
        IReadOnlyList<AuditRecord> unfinished = await store.FindUnfinishedAsync(_stopping.Token).ConfigureAwait(false);
        if (unfinished.Count == 0)
        {
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<AuditRecord> gone = AuditInstances.OfGoneInstances(unfinished, await store.ReadInstancesAsync(_stopping.Token).ConfigureAwait(false), now);
        if (gone.Count > 0)
        {
            await store.AppendAsync([.. gone.Select(started => AuditRecords.Unfinished(started, now))], _stopping.Token).ConfigureAwait(false);
            LogUnfinished(_logger, gone.Count);
        }
    }

    private async Task CheckpointAsync(IAuditStore store, long sequence, string hash)
    {
        if (_signer is null)
        {
            return;
        }

        try
        {
            await store.AppendCheckpointAsync(_signer.Sign(sequence, hash, _time.GetUtcNow()), _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            LogCheckpointFailed(_logger, sequence, store.Description, ex);
        }
    }

    private async Task PruneAsync(IAuditStore store)
    {
        try
        {
            if (_signer is null)
            {
                return; // Without the key a prune could not be told from a deletion: keep everything.
            }

            AuditPruneResult pruned = await store.PruneAsync(_time.GetUtcNow().AddDays(-_retentionDays), _signer.SignPrune, _stopping.Token).ConfigureAwait(false);
            if (pruned.RecordsDeleted > 0)
            {
                LogPruned(_logger, pruned.RecordsDeleted, _retentionDays, pruned.AnchorSequence ?? 0);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            LogPruneFailed(_logger, store.Description, ex);
        }
    }

    private readonly record struct Pending(AuditRecord? Record, TaskCompletionSource<bool>? Done);

    /// <summary>A record queued for the next commit, with its first journal slot (-1 when it is not in the journal).</summary>
    /// <summary>A queued record, its journal slot (-1 when it is not journaled) and, for a finished record, its call's started record.</summary>
    private readonly record struct QueuedRecord(AuditRecord Record, long JournalSlot, AuditRecord? Started);

    [LoggerMessage(EventId = 3008, EventName = "AuditRecoveredFromJournal", Level = LogLevel.Warning, Message = "Added {Count} started records from {Files} journal(s) of gateways that stopped without committing them (a crash or a kill)")]
    private static partial void LogRecoveredFromJournal(ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3000, EventName = "AuditQueueFull", Level = LogLevel.Error, Message = "The audit queue is full ({Capacity} records waiting); record of {CorrelationId} not queued")]
    private static partial void LogQueueFull(ILogger logger, int capacity, string? correlationId);

    [LoggerMessage(EventId = 3001, EventName = "AuditWriteFailed", Level = LogLevel.Error, Message = "Could not write {Count} audit records to {Store}; calls are refused (-31070) until it works again")]
    private static partial void LogWriteFailed(ILogger logger, int count, string store, Exception exception);

    [LoggerMessage(EventId = 3002, EventName = "AuditRecovered", Level = LogLevel.Information, Message = "The audit trail in {Store} is written again")]
    private static partial void LogRecovered(ILogger logger, string store);

    [LoggerMessage(EventId = 3003, EventName = "AuditCheckpointFailed", Level = LogLevel.Error, Message = "Could not write the audit checkpoint at record {Sequence} to {Store}")]
    private static partial void LogCheckpointFailed(ILogger logger, long sequence, string store, Exception exception);

    [LoggerMessage(EventId = 3004, EventName = "AuditUnfinishedCalls", Level = LogLevel.Warning, Message = "{Count} calls were started but never finished (the gateway stopped without finishing them); recorded as unfinished")]
    private static partial void LogUnfinished(ILogger logger, int count);

    [LoggerMessage(EventId = 3005, EventName = "AuditPruned", Level = LogLevel.Information, Message = "Pruned {Count} audit records older than {Days} days (the trail now starts after checkpoint {Anchor})")]
    private static partial void LogPruned(ILogger logger, long count, int days, long anchor);

    [LoggerMessage(EventId = 3006, EventName = "AuditPruneFailed", Level = LogLevel.Warning, Message = "Could not prune the audit trail in {Store}")]
    private static partial void LogPruneFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(EventId = 3007, EventName = "AuditStopTimedOut", Level = LogLevel.Warning, Message = "The audit writer did not finish in time at shutdown; {Count} records were still queued")]
    private static partial void LogStopTimedOut(ILogger logger, int count);
}

/// <summary>Builds the records of operations and events.</summary>
internal static class AuditRecords
{
    public static AuditRecord Started(OperationContext context, DateTimeOffset now, Redactor redactor) => Of(context, AuditRecordKind.OperationStarted, now) with
    {
        Arguments = redactor.RedactArguments(context.Arguments),
        ArgumentsSha256 = ArgumentsHash(context),
        Decision = "allow",
        Outcome = AuditRecord.Outcomes.Started,
    };

    public static AuditRecord Finished(OperationContext context, OperationOutcome outcome, AuditRecord? started, DateTimeOffset now, Redactor redactor)
    {
        bool denied = outcome.DeniedBy is not null && !outcome.Succeeded;
        string result = outcome.Succeeded ? AuditRecord.Outcomes.Ok
            : outcome.InputRequired ? AuditRecord.Outcomes.InputRequired
            : denied ? AuditRecord.Outcomes.Denied
            : outcome.Cancelled ? AuditRecord.Outcomes.Cancelled
            : AuditRecord.Outcomes.Error;
        return Of(context, AuditRecordKind.OperationFinished, now) with
        {
            // A started record holds the arguments already; a denial's is the only record of the call.
            Arguments = started is null ? redactor.RedactArguments(context.Arguments) : null,
            ArgumentsSha256 = started?.ArgumentsSha256 ?? ArgumentsHash(context),
            Decision = outcome.InputRequired ? "input_required" : denied ? "deny" : "allow",
            DecidedBy = outcome.DeniedBy,
            Rule = outcome.Rule,
            LatencyMs = outcome.Duration.TotalMilliseconds,
            Outcome = result,
            ErrorCode = outcome.ErrorCode,
            ErrorMessage = outcome.ErrorMessage is { } message ? redactor.Redact(message) : null,
        };
    }

    /// <summary>What every record of an operation says about it: when, which call, who, through which client, to what.</summary>
    private static AuditRecord Of(OperationContext context, AuditRecordKind kind, DateTimeOffset now) => new()
    {
        Kind = kind,
        Time = now,
        CorrelationId = context.CorrelationId,
        SessionId = context.Session?.Id,
        UserId = context.UserId,
        ClientName = context.Session?.ClientInfo?.Name,
        ClientVersion = context.Session?.ClientInfo?.Version,
        ServerId = context.ServerId,
        Method = context.Method,
        Target = context.TargetName,
    };

    private static string? ArgumentsHash(OperationContext context) =>
        context.Arguments is null ? null : Convert.ToHexStringLower(SHA256.HashData(Security.Approval.CanonicalJson.Write(context.Arguments)));

    public static AuditRecord Unfinished(AuditRecord started, DateTimeOffset now) => started with
    {
        Sequence = 0,
        Kind = AuditRecordKind.OperationFinished,
        Time = now,
        Arguments = null,
        Outcome = AuditRecord.Outcomes.Unfinished,
        ErrorMessage = "The gateway stopped (crashed or was killed) before this call finished; whether the server completed it is unknown.",
        PreviousHash = null,
        Hash = null,
    };

    public static AuditRecord SecurityEvent(SecurityEventRecord record, DateTimeOffset now, Redactor redactor)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(details, "initiator", record.Initiator);
        Add(details, "channel", record.Channel);
        Add(details, "reason", record.Reason is { } reason ? redactor.Redact(reason) : null);
        foreach ((string name, string value) in record.Details ?? new Dictionary<string, string>())
        {
            details[name] = redactor.Redact(value);
        }

        return new AuditRecord
        {
            Kind = AuditRecordKind.SecurityEvent,
            Time = now,
            CorrelationId = record.CorrelationId,
            SessionId = record.SessionId,
            UserId = record.UserId,
            ServerId = record.ServerId,
            Method = record.Kind,
            Outcome = AuditRecord.Outcomes.Event,
            ErrorMessage = redactor.Redact(record.Message),
            Details = details.Count == 0 ? null : JsonSerializer.Serialize(details, AuditJsonContext.Default.DictionaryStringString),
        };
    }

    private static void Add(Dictionary<string, string> details, string name, string? value)
    {
        if (value is not null)
        {
            details[name] = value;
        }
    }
}
