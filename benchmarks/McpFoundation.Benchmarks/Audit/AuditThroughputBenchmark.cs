using System.Diagnostics;
using System.Globalization;
using McpFoundation.Audit;
using McpFoundation.Audit.Redaction;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpFoundation.Benchmarks.Audit;

/// <summary>
/// Sustained audit throughput with durability on: the real <see cref="AuditTrail"/> writer (bounded channel, group
/// commit, checkpoints every second) on SQLite (WAL, synchronous=NORMAL, as the gateway writes it) or PostgreSQL.
/// Three phases: queued records from 16 producers; durable appends (each producer awaits the commit that holds its
/// record, as a call's started record does without a journal) from 64 producers; and journaled started records from
/// 16 producers (durable in the journal at once, committed in batches; a full journal falls back to the commit wait,
/// as in the gateway). Prints records/s for each.
/// </summary>
internal static class AuditThroughputBenchmark
{
    public const string Usage = "audit options: [--records N (default 200000)] [--pg CONNECTION_STRING (default $MCPF_AUDIT_PG; else SQLite in a temporary directory)]";

    public static async Task<int> RunAsync(string[] args)
    {
        int records = 200_000;
        string? pg = Environment.GetEnvironmentVariable(AuditSettings.ConnectionStringVariable);
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--records" when i + 1 < args.Length:
                    records = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--pg" when i + 1 < args.Length:
                    pg = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"error: unknown option '{args[i]}'");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        string directory = Directory.CreateTempSubdirectory("mcpf-audit-bench-").FullName;
        try
        {
            IAuditStore store = pg is { Length: > 0 } ? new PostgresAuditStore(pg) : new SqliteAuditStore(directory);
            Console.WriteLine($"store: {store.Description}");
            await using var trail = new AuditTrail(
                store,
                CheckpointSigner.FromDataDirectory(directory, create: true),
                AuditSettings.Default with { QueueCapacity = 1 << 20 },
                30,
                Redactor.Default,
                TimeProvider.System,
                new NullSink(),
                NullLogger<AuditTrail>.Instance,
                AuditJournal.Create(directory, AuditJournal.DefaultBytes),
                directory);
            await trail.FlushAsync();
            double queued = await MeasureAsync(records, 16, (i, _) => { trail.Post(Record(i)); return ValueTask.CompletedTask; }, trail);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"queued (16 producers, flush at end): {records} records, {queued:N0} records/s"));
            int durableRecords = Math.Max(1000, records / 4);
            double durable = await MeasureAsync(durableRecords, 64, async (i, _) =>
            {
                if (!await trail.AppendDurableAsync(Record(i)))
                {
                    throw new InvalidOperationException("the trail could not be written");
                }
            }, trail);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"durable (64 producers, each awaits its commit): {durableRecords} records, {durable:N0} records/s"));
            long fellBack = 0;
            double journaled = await MeasureAsync(records, 16, async (i, _) =>
            {
                AuditRecord record = Record(i);
                if (!trail.TryJournal(record))
                {
                    Interlocked.Increment(ref fellBack);
                    if (!await trail.AppendDurableAsync(record))
                    {
                        throw new InvalidOperationException("the trail could not be written");
                    }
                }
            }, trail);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"journaled (16 producers, durable in the journal, flush at end): {records} records, {journaled:N0} records/s ({fellBack} waited for a commit: journal full)"));
            (double p50, double p99) = await MeasureLatencyAsync(Math.Max(500, records / 40), trail);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"durable, one producer (a call at one client): commit wait p50 {p50:F1} us, p99 {p99:F1} us"));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<double> MeasureAsync(int count, int producers, Func<int, int, ValueTask> append, AuditTrail trail)
    {
        long started = Stopwatch.GetTimestamp();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await append(i, p);
            }
        })));
        await trail.FlushAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / count:F1} us/record"));
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>One producer awaiting each record's commit in turn: the wait a call's started record adds at one client.</summary>
    private static async Task<(double P50, double P99)> MeasureLatencyAsync(int count, AuditTrail trail)
    {
        var microseconds = new double[count];
        for (int i = 0; i < count; i++)
        {
            long started = Stopwatch.GetTimestamp();
            if (!await trail.AppendDurableAsync(Record(i)))
            {
                throw new InvalidOperationException("the trail could not be written");
            }

            microseconds[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        Array.Sort(microseconds);
        return (microseconds[count / 2], microseconds[Math.Min(count - 1, (int)(count * 0.99))]);
    }

    private static AuditRecord Record(int i) => new()
    {
        Kind = AuditRecordKind.OperationStarted,
        Time = DateTimeOffset.UtcNow,
        CorrelationId = "bench-" + i.ToString("x16", CultureInfo.InvariantCulture),
        UserId = "alice",
        ServerId = "fixture",
        Method = "tools/call",
        Target = "fixture__echo",
        Arguments = """{"message":"hello"}""",
        ArgumentsSha256 = "5f2b7c5d0a9b9c1e6c1e1f3d2c4b5a6978877665544332211000ffeeddccbbaa",
        Decision = "allow",
        Outcome = "started",
    };

    private sealed class NullSink : ISecurityEventSink
    {
        public void Post(SecurityEventRecord record)
        {
        }
    }
}
