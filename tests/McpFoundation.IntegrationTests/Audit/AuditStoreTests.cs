using System.Data.Common;
using McpFoundation.Audit;
using McpFoundation.Audit.Redaction;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace McpFoundation.IntegrationTests.Audit;

/// <summary>
/// The one test suite of <see cref="IAuditStore"/>, run against SQLite and against a real PostgreSQL server: append
/// and read back, the chain links, queries, checkpoints, unfinished calls, migrations that are idempotent, and the
/// verifier catching an edit, an insertion, a deletion, a reorder and a truncation (done with SQL on the store, as an
/// attacker with database access would), and pruning in whole segments that still verifies.
/// </summary>
public abstract class AuditStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly CheckpointSigner _signer = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private IAuditStore? _store;

    protected IAuditStore Store => _store ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    protected abstract Task<IAuditStore> CreateStoreAsync();

    /// <summary>Runs SQL on the store's database directly (the attacker's view).</summary>
    protected abstract Task ExecuteSqlAsync(string sql);

    [Fact]
    public async Task AppendAsync_GroupOfRecords_ReadBackInOrderWithALinkedChain()
    {
        IReadOnlyList<AuditRecord> appended = await Store.AppendAsync([Record(1), Record(2), Record(3)]);
        List<AuditRecord> read = await ReadAllAsync();

        Assert.Equal([1L, 2L, 3L], read.Select(r => r.Sequence));
        Assert.Equal(AuditChain.Genesis, read[0].PreviousHash);
        Assert.Equal(read[0].Hash, read[1].PreviousHash);
        Assert.Equal(appended.Select(r => r.Hash), read.Select(r => r.Hash));
        Assert.Equal(appended[1], read[1]);
        Assert.Equal(3, await Store.CountAsync());
        Assert.Equal((3L, appended[2].Hash!), await Store.LastRecordAsync());
    }

    [Fact]
    public async Task AppendAsync_TextOfEverySize_ReadBackExactlyAndVerifies()
    {
        // Non-ASCII, empty, and larger than the writer's text buffer keeps (it grows, then shrinks back): every
        // field must come back as written, and the chain computed over the strings must still match.
        string large = string.Concat(Enumerable.Repeat("Zürich 東京 🔐 ", 40_000));
        AuditRecord[] records =
        [
            Record(1) with { Arguments = """{"message":"naïve café — 東京 🔐"}""", ErrorMessage = "" },
            Record(2) with { Arguments = large },
            Record(3) with { UserId = "ünïcødé", Details = "tail" },
        ];

        await Store.AppendAsync(records);
        List<AuditRecord> read = await ReadAllAsync();

        Assert.Equal(records.Select(r => r.Arguments), read.Select(r => r.Arguments));
        Assert.Equal("", read[0].ErrorMessage);
        Assert.Equal(("ünïcødé", "tail"), (read[2].UserId, read[2].Details));
        Assert.True((await AuditVerifier.VerifyAsync(Store, _signer)).IsIntact);
    }

    [Fact]
    public async Task QueryAsync_Filters_MatchEveryGivenField()
    {
        await Store.AppendAsync([Record(1, user: "alice", tool: "fs__read"), Record(2, user: "bob", tool: "fs__read", decision: "deny"), Record(3, user: "alice", tool: "web__get")]);

        Assert.Equal([1L, 3L], await SeqAsync(new AuditQuery { UserId = "alice" }));
        Assert.Equal([2L], await SeqAsync(new AuditQuery { Decision = "deny" }));
        Assert.Equal([1L], await SeqAsync(new AuditQuery { UserId = "alice", Target = "fs__read" }));
        Assert.Equal([2L, 3L], await SeqAsync(new AuditQuery { Since = Start.AddSeconds(2) }));
        Assert.Equal([1L], await SeqAsync(new AuditQuery { Until = Start.AddSeconds(2) }));
        Assert.Equal([3L], await SeqAsync(new AuditQuery { Limit = 1 }));
    }

    [Fact]
    public async Task FindUnfinishedAsync_StartedWithoutFinished_Found()
    {
        await Store.AppendAsync([Record(1, kind: AuditRecordKind.OperationStarted, id: "a"), Record(2, kind: AuditRecordKind.OperationStarted, id: "b"), Record(3, kind: AuditRecordKind.OperationFinished, id: "a")]);

        IReadOnlyList<AuditRecord> unfinished = await Store.FindUnfinishedAsync();

        Assert.Equal("b", Assert.Single(unfinished).CorrelationId);
    }

    [Fact]
    public async Task InitializeAsync_Again_KeepsRecordsAndSchemaVersion()
    {
        await Store.AppendAsync([Record(1)]);
        await Store.InitializeAsync();
        await using IAuditStore again = await ReopenAsync();
        await again.InitializeAsync();

        Assert.Equal(1, await again.CountAsync());
        Assert.Equal(3, await ((RelationalAuditStore)again).SchemaVersionAsync());
    }

    [Fact]
    public async Task Verify_IntactTrail_PassesAndReportsUnsignedTail()
    {
        await AppendAndCheckpointAsync(10, checkpointAt: 6);

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal((10L, 6L, 4L), (result.RecordsChecked, result.CheckpointedThrough, result.NotCheckpointed));
    }

    [Fact]
    public async Task Verify_EditedRecord_NamesIt()
    {
        await AppendAndCheckpointAsync(10, checkpointAt: 10);
        await ExecuteSqlAsync("UPDATE audit_records SET user_id = 'mallory' WHERE seq = 4");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(4, result.FirstBadSequence);
        Assert.Contains("edited", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EditedAndRechainedWithoutTheKey_CheckpointCatchesIt()
    {
        await AppendAndCheckpointAsync(5, checkpointAt: 5);
        List<AuditRecord> records = await ReadAllAsync();

        // Rewrite record 3 and recompute every hash after it, as an attacker without the key could.
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq >= 3");
        string previous = records[1].Hash!;
        for (int i = 2; i < records.Count; i++)
        {
            AuditRecord changed = i == 2 ? records[i] with { UserId = "mallory" } : records[i];
            AuditRecord linked = AuditChain.Link(changed, records[i].Sequence - 1, previous);
            await ExecuteSqlAsync($"INSERT INTO audit_records (seq, kind, time_ms, user_id, prev_hash, hash, correlation_id, method, target, decision, outcome) VALUES ({linked.Sequence}, 'finished', {linked.Time.ToUnixTimeMilliseconds()}, '{linked.UserId}', '{linked.PreviousHash}', '{AuditChain.ComputeHash(Reduce(linked))}', '{linked.CorrelationId}', '{linked.Method}', '{linked.Target}', '{linked.Decision}', '{linked.Outcome}')");
            previous = AuditChain.ComputeHash(Reduce(linked));
        }

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(5, result.FirstBadSequence);
        Assert.Contains("checkpoint", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedRecord_NamesTheGap()
    {
        await AppendAndCheckpointAsync(10, checkpointAt: 10);
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq = 5");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(5, result.FirstBadSequence);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_InsertedRecord_NamesIt()
    {
        await AppendAndCheckpointAsync(6, checkpointAt: 6);

        // Make room at 4 by moving 4..6 up one, then insert a forged record at 4.
        await ExecuteSqlAsync("UPDATE audit_records SET seq = seq + 100 WHERE seq >= 4");
        await ExecuteSqlAsync("UPDATE audit_records SET seq = seq - 99 WHERE seq >= 100");
        await ExecuteSqlAsync($"INSERT INTO audit_records (seq, kind, time_ms, prev_hash, hash) SELECT 4, 'finished', time_ms, hash, hash FROM audit_records WHERE seq = 3");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(4, result.FirstBadSequence);
    }

    [Fact]
    public async Task Verify_ReorderedRecords_NamesTheFirst()
    {
        await AppendAndCheckpointAsync(6, checkpointAt: 6);
        await ExecuteSqlAsync("UPDATE audit_records SET seq = 100 WHERE seq = 2");
        await ExecuteSqlAsync("UPDATE audit_records SET seq = 2 WHERE seq = 3");
        await ExecuteSqlAsync("UPDATE audit_records SET seq = 3 WHERE seq = 100");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(2, result.FirstBadSequence);
    }

    [Fact]
    public async Task Verify_TruncatedBeforeTheLastCheckpoint_ReportsMissingRecords()
    {
        await AppendAndCheckpointAsync(10, checkpointAt: 8);
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq >= 7");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(7, result.FirstBadSequence);
        Assert.Contains("truncated", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedAfterTheLastCheckpoint_PassesAsNotYetSigned()
    {
        await AppendAndCheckpointAsync(10, checkpointAt: 8);
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq >= 10");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(1, result.NotCheckpointed);
    }

    [Fact]
    public async Task Verify_ForgedCheckpoint_BadSignature()
    {
        await AppendAndCheckpointAsync(4, checkpointAt: 4);
        await ExecuteSqlAsync("UPDATE audit_checkpoints SET mac = '00' || substr(mac, 3)");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Contains("signature", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedFromTheStart_NotAPrune_Broken()
    {
        await AppendAndCheckpointAsync(6, checkpointAt: 6);
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq <= 2");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(3, result.FirstBadSequence);
    }

    [Fact]
    public async Task PruneAsync_WholeSegmentsOlderThanCutoff_RemainingTrailVerifiesAndGrows()
    {
        // Checkpoints after records 4 (at +4 s) and 8 (at +8 s); the cutoff at +6 s prunes the first segment only.
        await AppendAndCheckpointAsync(10, checkpointAt: 4);
        (long last, string hash) = (await Store.LastRecordAsync())!.Value;
        List<AuditRecord> all = await ReadAllAsync();
        await Store.AppendCheckpointAsync(_signer.Sign(8, all[7].Hash!, Start.AddSeconds(8)));

        AuditPruneResult pruned = await Store.PruneAsync(Start.AddSeconds(6), _signer.SignPrune);
        await Store.AppendAsync([Record(11)]);

        Assert.Equal((4L, 4L), (pruned.RecordsDeleted, pruned.AnchorSequence!.Value));
        Assert.Equal(5, (await ReadAllAsync())[0].Sequence);
        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);
        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal((5L, 11L), (result.FirstSequence, result.LastSequence));
        Assert.Equal(10, last);
        Assert.NotNull(hash);
    }

    [Fact]
    public async Task Verify_DeletedExactlyUpToACheckpoint_NoPruneMark_Broken()
    {
        // What a prune does by hand: records up to checkpoint 4 and the checkpoints before it deleted. Without the
        // prune's signed mark on checkpoint 4 it is a deletion.
        await AppendAndCheckpointAsync(10, checkpointAt: 4);
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq <= 4");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(5, result.FirstBadSequence);
        Assert.Contains("prune mark", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PruneMarkMovedToALaterCheckpoint_Broken()
    {
        // A real prune at checkpoint 4; then records 5-8 deleted by hand and the mark copied onto checkpoint 8.
        await AppendAndCheckpointAsync(10, checkpointAt: 4);
        List<AuditRecord> all = await ReadAllAsync();
        await Store.AppendCheckpointAsync(_signer.Sign(8, all[7].Hash!, Start.AddSeconds(8)));
        await Store.PruneAsync(Start.AddSeconds(6), _signer.SignPrune);
        Assert.True((await AuditVerifier.VerifyAsync(Store, _signer)).IsIntact);
        await ExecuteSqlAsync("UPDATE audit_checkpoints SET prune_mac = (SELECT prune_mac FROM audit_checkpoints WHERE seq = 4) WHERE seq = 8");
        await ExecuteSqlAsync("DELETE FROM audit_records WHERE seq <= 8");
        await ExecuteSqlAsync("DELETE FROM audit_checkpoints WHERE seq < 8");

        AuditVerificationResult result = await AuditVerifier.VerifyAsync(Store, _signer);

        Assert.False(result.IsIntact);
        Assert.Equal(9, result.FirstBadSequence);
        Assert.Contains("prune mark", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrailStart_MarksUnfinishedOnlyTheCallsOfGatewaysThatAreGone()
    {
        // Five gateways wrote to this trail: one on another host seen just now and one on this host whose process runs
        // (this test's), both still running; one seen 5 minutes ago; one on this host seen just now whose process is
        // gone (killed: a restart must mark its calls at once); one that never recorded a heartbeat. A gateway starting
        // beside them must leave the running ones' calls alone.
        const string Elsewhere = "1111111111111111-", Gone = "2222222222222222-", Unknown = "3333333333333333-", Here = "4444444444444444-", Killed = "5555555555555555-";
        DateTimeOffset now = DateTimeOffset.UtcNow;
        await Store.AppendAsync(
        [
            Record(1, kind: AuditRecordKind.OperationStarted, id: Elsewhere + "0000000000000001"),
            Record(2, kind: AuditRecordKind.OperationStarted, id: Gone + "0000000000000001"),
            Record(3, kind: AuditRecordKind.OperationStarted, id: Unknown + "0000000000000001"),
            Record(4, kind: AuditRecordKind.OperationStarted, id: Here + "0000000000000001"),
            Record(5, kind: AuditRecordKind.OperationStarted, id: Killed + "0000000000000001"),
        ]);
        await Store.HeartbeatAsync(new AuditInstance(Elsewhere, now, "another-host", Environment.ProcessId));
        await Store.HeartbeatAsync(new AuditInstance(Gone, now - TimeSpan.FromMinutes(5), "another-host", 1));
        await Store.HeartbeatAsync(new AuditInstance(Here, now, Environment.MachineName, Environment.ProcessId));
        await Store.HeartbeatAsync(new AuditInstance(Killed, now, Environment.MachineName, DeadProcessId()));

        var trail = new AuditTrail(Store, _signer, AuditSettings.Default, 30, Redactor.Default, TimeProvider.System, new NoEvents(), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditTrail>.Instance);
        Assert.True(await trail.FlushAsync());
        await trail.DisposeAsync();

        await using IAuditStore reopened = await ReopenAsync();
        IReadOnlyList<AuditRecord> unfinished = await reopened.FindUnfinishedAsync();
        Assert.Equal([Elsewhere + "0000000000000001", Here + "0000000000000001"], unfinished.Select(r => r.CorrelationId).Order(StringComparer.Ordinal));
        List<AuditRecord> marked = [];
        await foreach (AuditRecord record in reopened.ReadAsync())
        {
            if (record.Outcome == AuditRecord.Outcomes.Unfinished)
            {
                marked.Add(record);
            }
        }

        Assert.Equal([Gone + "0000000000000001", Unknown + "0000000000000001", Killed + "0000000000000001"], marked.Select(r => r.CorrelationId).Order(StringComparer.Ordinal));
        Assert.True((await reopened.ReadInstancesAsync()).ContainsKey(McpFoundation.Pipeline.CorrelationIds.InstancePrefix), "the starting gateway records that it is alive");
    }

    [Fact]
    public async Task Trail_ProducersRacingItsDisposal_EveryAppendAnsweredAndEveryAcceptedRecordStored()
    {
        // Eight callers append started records (each waits for its commit) and queue finished ones while the trail is
        // disposed under them: no caller may hang, every record reported durable must be in the store, and none
        // reported refused may be.
        var trail = new AuditTrail(Store, _signer, AuditSettings.Default, 30, Redactor.Default, TimeProvider.System, new NoEvents(), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditTrail>.Instance);
        Assert.True(await trail.FlushAsync());
        var accepted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refused = new System.Collections.Concurrent.ConcurrentBag<string>();
        Task[] producers = [.. Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            // Until the first refusal: every append after the disposal is refused, so each producer ends with one.
            for (int n = 0; ; n++)
            {
                string id = $"p{p}-{n}";
                bool durable = await trail.AppendDurableAsync(Record(n, kind: AuditRecordKind.OperationStarted, id: id));
                (durable ? accepted : refused).Add(id);
                trail.Post(Record(n, id: id));
                if (!durable)
                {
                    return;
                }
            }
        }))];

        // Disposed once the producers are in full swing (a fixed delay was too short on a busy machine: nothing had
        // been committed yet, and the race was not tested).
        long swing = System.Diagnostics.Stopwatch.GetTimestamp();
        while (accepted.Count < 64 && System.Diagnostics.Stopwatch.GetElapsedTime(swing) < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10);
        }

        await trail.DisposeAsync();
        Task all = Task.WhenAll(producers);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30))));
        await all;

        await using IAuditStore reopened = await ReopenAsync();
        var started = new HashSet<string>(StringComparer.Ordinal);
        await foreach (AuditRecord record in reopened.ReadAsync())
        {
            if (record.Kind == AuditRecordKind.OperationStarted)
            {
                started.Add(record.CorrelationId!);
            }
        }

        Assert.NotEmpty(accepted);
        Assert.DoesNotContain(accepted, id => !started.Contains(id));
        Assert.DoesNotContain(refused, started.Contains);
        Assert.Equal(8, refused.Count); // each producer stopped at its first refusal
    }

    [Fact]
    public async Task Journal_OfAGatewayThatDied_ExportShowsItsRecords_AndTheNextStartAddsEachOnceAsUnfinished()
    {
        // What a killed gateway leaves: started records published in its journal and never freed, one of which its
        // last commit did get into the store. The journal's lock goes with the process (here: its handle is closed).
        const string Dead = "6666666666666666-";
        string dataDirectory = Directory.CreateTempSubdirectory("mcpf-journal-").FullName;
        try
        {
            AuditJournal journal = AuditJournal.Create(dataDirectory, AuditJournal.MinimumBytes);
            AuditRecord committed = Record(1, kind: AuditRecordKind.OperationStarted, id: Dead + "0000000000000001");
            AuditRecord[] lost =
            [
                Record(2, kind: AuditRecordKind.OperationStarted, id: Dead + "0000000000000002"),
                Record(3, kind: AuditRecordKind.OperationStarted, id: Dead + "0000000000000003") with { Arguments = new string('x', 3000) }, // several slots
            ];
            foreach (AuditRecord record in lost.Prepend(committed))
            {
                Assert.True(journal.TryWrite(record) >= 0);
            }

            await Store.AppendAsync([committed]);
            Assert.Empty(await AuditExport.ReadJournaledAsync(Store, dataDirectory)); // a running gateway's journal is not taken
            journal.Close(delete: false);

            IReadOnlyList<AuditRecord> exported = await AuditExport.ReadJournaledAsync(Store, dataDirectory);
            Assert.Equal(lost.Select(r => (r.CorrelationId, r.Arguments, r.Time)), exported.Select(r => (r.CorrelationId, r.Arguments, r.Time)));
            Assert.All(exported, r => Assert.Equal((0L, (string?)null), (r.Sequence, r.Hash)));

            var trail = new AuditTrail(Store, _signer, AuditSettings.Default, 30, Redactor.Default, TimeProvider.System, new NoEvents(), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditTrail>.Instance, journal: null, dataDirectory: dataDirectory);
            Assert.True(await trail.FlushAsync());
            await trail.DisposeAsync();

            await using IAuditStore reopened = await ReopenAsync();
            var started = new List<string>();
            var unfinished = new List<string>();
            await foreach (AuditRecord record in reopened.ReadAsync())
            {
                (record.Kind == AuditRecordKind.OperationStarted ? started : unfinished).Add(record.CorrelationId!);
            }

            Assert.Equal([committed.CorrelationId!, lost[0].CorrelationId!, lost[1].CorrelationId!], started);
            Assert.Equal(started, unfinished.Order(StringComparer.Ordinal));
            Assert.Empty(Directory.GetFiles(Path.Combine(dataDirectory, AuditJournal.DirectoryName)));
            Assert.True((await AuditVerifier.VerifyAsync(reopened, _signer)).IsIntact);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Trail_WithAJournal_StartedRecordsNeedNoCommitWait_AreStoredAndFreed_AndTheJournalGoesAtShutdown()
    {
        string dataDirectory = Directory.CreateTempSubdirectory("mcpf-journal-").FullName;
        try
        {
            AuditJournal journal = AuditJournal.Create(dataDirectory, AuditJournal.MinimumBytes);
            var trail = new AuditTrail(Store, _signer, AuditSettings.Default, 30, Redactor.Default, TimeProvider.System, new NoEvents(), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditTrail>.Instance, journal, dataDirectory);
            Assert.True(await trail.FlushAsync());

            // Far more records than the journal holds at once (256 slots): slots are freed by the commits and reused.
            int journaled = 0;
            for (int n = 0; n < 2000; n++)
            {
                AuditRecord started = Record(n, kind: AuditRecordKind.OperationStarted, id: $"j-{n}");
                if (trail.TryJournal(started))
                {
                    journaled++;
                }
                else
                {
                    Assert.True(await trail.AppendDurableAsync(started)); // full: the call waits for its commit instead
                }
            }

            Assert.True(await trail.FlushAsync());
            Assert.True(journaled > 256, $"only {journaled} records went through the journal: its slots were not reused");
            Assert.Equal(0, journal.CountPending());
            await trail.DisposeAsync();
            Assert.False(File.Exists(journal.Path));

            await using IAuditStore reopened = await ReopenAsync();
            Assert.Equal(2000, await reopened.CountAsync());
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Trail_CallEndedBeforeItsStartedRecordWasCommitted_IsStoredAsOneRecordWithTheArguments()
    {
        const string Quick = "7777777777777777-0000000000000001";
        const string Slow = "7777777777777777-0000000000000002";
        string dataDirectory = Directory.CreateTempSubdirectory("mcpf-journal-").FullName;
        try
        {
            // Nothing is committed until a flush asks for it: which records share a commit is up to the test.
            AuditSettings settings = AuditSettings.Default with { QueuedRecordDelay = TimeSpan.FromMinutes(10) };
            AuditJournal journal = AuditJournal.Create(dataDirectory, AuditJournal.MinimumBytes);
            var trail = new AuditTrail(Store, _signer, settings, 30, Redactor.Default, TimeProvider.System, new NoEvents(), Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditTrail>.Instance, journal, dataDirectory);
            Assert.True(await trail.FlushAsync());

            AuditRecord quickStarted = Record(1, kind: AuditRecordKind.OperationStarted, id: Quick) with { Arguments = """{"message":"quick"}""", Outcome = "started" };
            AuditRecord slowStarted = Record(2, kind: AuditRecordKind.OperationStarted, id: Slow) with { Arguments = """{"message":"slow"}""", Outcome = "started" };
            Assert.True(trail.TryJournal(quickStarted));
            trail.Post(Record(3, id: Quick) with { Arguments = null }, quickStarted); // ended before any commit
            Assert.True(trail.TryJournal(slowStarted));
            Assert.True(await trail.FlushAsync());
            trail.Post(Record(4, id: Slow) with { Arguments = null }, slowStarted); // its started record is stored already
            Assert.True(await trail.FlushAsync());
            Assert.Equal(0, journal.CountPending());
            await trail.DisposeAsync();

            await using IAuditStore reopened = await ReopenAsync();
            var stored = new List<AuditRecord>();
            await foreach (AuditRecord record in reopened.ReadAsync())
            {
                stored.Add(record);
            }

            Assert.Equal(
                [(Quick, AuditRecordKind.OperationFinished, """{"message":"quick"}"""), (Slow, AuditRecordKind.OperationStarted, """{"message":"slow"}"""), (Slow, AuditRecordKind.OperationFinished, null)],
                stored.Select(r => (r.CorrelationId!, r.Kind, r.Arguments))); // the merged record in its finished record's place
            AuditRecord quick = stored[0];
            Assert.Equal(("ok", Start.AddSeconds(3), 1.25 * 3), (quick.Outcome, quick.Time, quick.LatencyMs));
            Assert.True((await AuditVerifier.VerifyAsync(reopened, _signer)).IsIntact);

            // A crash between the commit and the freeing of the slot leaves the started record in a dead journal: the
            // call's one record is found (by the export, and by the next start, which uses the same search), so
            // nothing is added and the call does not count as unfinished.
            AuditJournal dead = AuditJournal.Create(dataDirectory, AuditJournal.MinimumBytes);
            Assert.True(dead.TryWrite(quickStarted) >= 0);
            dead.Close(delete: false);
            Assert.Empty(await AuditExport.ReadJournaledAsync(reopened, dataDirectory));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task PruneAsync_NoCheckpointBeforeCutoff_DeletesNothing()
    {
        await AppendAndCheckpointAsync(4, checkpointAt: 4);

        AuditPruneResult pruned = await Store.PruneAsync(Start, _signer.SignPrune);

        Assert.Equal(0, pruned.RecordsDeleted);
        Assert.Equal(4, await Store.CountAsync());
    }

    protected abstract Task<IAuditStore> ReopenAsync();

    private static AuditRecord Reduce(AuditRecord record) => new()
    {
        Sequence = record.Sequence,
        Kind = AuditRecordKind.OperationFinished,
        Time = record.Time,
        UserId = record.UserId,
        PreviousHash = record.PreviousHash,
        CorrelationId = record.CorrelationId,
        Method = record.Method,
        Target = record.Target,
        Decision = record.Decision,
        Outcome = record.Outcome,
    };

    private async Task AppendAndCheckpointAsync(int count, int checkpointAt)
    {
        for (int i = 1; i <= count; i++)
        {
            IReadOnlyList<AuditRecord> appended = await Store.AppendAsync([Record(i)]);
            if (i == checkpointAt)
            {
                await Store.AppendCheckpointAsync(_signer.Sign(appended[0].Sequence, appended[0].Hash!, Start.AddSeconds(i)));
            }
        }
    }

    private async Task<List<AuditRecord>> ReadAllAsync()
    {
        var records = new List<AuditRecord>();
        await foreach (AuditRecord record in Store.ReadAsync())
        {
            records.Add(record);
        }

        return records;
    }

    private async Task<List<long>> SeqAsync(AuditQuery query)
    {
        var found = new List<long>();
        await foreach (AuditRecord record in Store.QueryAsync(query))
        {
            found.Add(record.Sequence);
        }

        return found;
    }

    /// <summary>The id of a process that ran and exited (so no process has it now, barring reuse within a moment).</summary>
    private static int DeadProcessId()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    private sealed class NoEvents : ISecurityEventSink
    {
        public void Post(SecurityEventRecord record)
        {
        }
    }

    private static AuditRecord Record(int n, string user = "alice", string tool = "fixture__echo", string decision = "allow", AuditRecordKind kind = AuditRecordKind.OperationFinished, string? id = null) => new()
    {
        Kind = kind,
        Time = Start.AddSeconds(n),
        CorrelationId = id ?? $"c-{n}",
        UserId = user,
        ServerId = tool.Split("__")[0],
        Method = "tools/call",
        Target = tool,
        Arguments = """{"message":"hello"}""",
        ArgumentsSha256 = new string('a', 64),
        Decision = decision,
        LatencyMs = 1.25 * n,
        Outcome = decision == "deny" ? "denied" : "ok",
        ErrorCode = decision == "deny" ? -31040 : null,
    };
}

[Trait("Category", "Integration")]
public sealed class SqliteAuditStoreTests : AuditStoreTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-audit-").FullName;

    protected override Task<IAuditStore> CreateStoreAsync() => Task.FromResult<IAuditStore>(new SqliteAuditStore(_directory));

    protected override Task<IAuditStore> ReopenAsync() => Task.FromResult<IAuditStore>(new SqliteAuditStore(_directory, readOnly: true));

    protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, SqliteAuditStore.FileName)};Pooling=False");
        await connection.OpenAsync();
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public void DatabaseFile_IsOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        UnixFileMode mode = File.GetUnixFileMode(Path.Combine(_directory, SqliteAuditStore.FileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }
}

[Trait("Category", "Integration")]
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresAuditStoreTests(PostgresServer server) : AuditStoreTests
{
    private string? _connectionString;

    protected override async Task<IAuditStore> CreateStoreAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        return new PostgresAuditStore(_connectionString);
    }

    protected override Task<IAuditStore> ReopenAsync() => Task.FromResult<IAuditStore>(new PostgresAuditStore(_connectionString!));

    protected override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
