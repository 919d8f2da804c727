using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace McpFoundation.Pipeline;

/// <summary>
/// Standing threads, one fewer than the processors (at least one), that answer the batches of an
/// <see cref="OperationRegistry.CancelAll(string, int)"/> beyond the one its caller answers. They exist so that an
/// emergency stop reaches every caller whatever the thread pool is doing: a batch queued to the pool waits behind its
/// whole backlog (the emergency benchmark saw 300-480 items queued at a trigger), and a starved pool (a blocking filter,
/// a flood of calls: the moments a stop is for) would run it late or never; a thread started for the stop costs its
/// caller 3-20 ms on a busy 2-core machine, because <see cref="Thread.Start()"/> waits for the new thread to run
/// (docs/PERFORMANCE.md "Emergency stop"). Idle, they wait on a semaphore and cost no CPU. Shared by every gateway of
/// the process, started with the first.
/// </summary>
internal static class CancellationResponders
{
    private static readonly ConcurrentQueue<OperationRegistry.CancellationBatch> Batches = new();
    private static readonly SemaphoreSlim Ready = new(0);
    private static int s_started;

    /// <summary>Gets how many responder threads there are (or will be, once started).</summary>
    public static int Count { get; } = Math.Clamp(Environment.ProcessorCount - 1, 1, 8);

    /// <summary>Starts the threads, once per process.</summary>
    public static void EnsureStarted()
    {
        if (Volatile.Read(ref s_started) != 0 || Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }

        for (int i = 0; i < Count; i++)
        {
            var responder = new Thread(Respond) { IsBackground = true, Name = "mcpf cancel responder" };
            responder.UnsafeStart();
        }
    }

    /// <summary>Hands <paramref name="batch"/> to a responder: it is answered at once, without waiting for the pool.</summary>
    public static void Post(OperationRegistry.CancellationBatch batch)
    {
        EnsureStarted();
        Batches.Enqueue(batch);
        Ready.Release();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a loop entered once, for the life of the process (see CancelAll)
    private static void Respond()
    {
        while (true)
        {
            Ready.Wait();
            if (Batches.TryDequeue(out OperationRegistry.CancellationBatch? batch))
            {
                // Answering completes each pipeline's wait inline; async methods capture their own failures, so
                // nothing escapes here but a bug, which must not pass silently (it ends the process, as it would on
                // the pool).
                batch.Answer();
            }
        }
    }
}
