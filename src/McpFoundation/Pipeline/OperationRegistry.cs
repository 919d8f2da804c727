using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace McpFoundation.Pipeline;

/// <summary>
/// Every client operation in the gateway right now, from entering the pipeline to its one outcome, suspended calls
/// included: each with its context, its own cancellation source and its start time. The emergency stop cancels
/// through it, limits count with it, and <c>mcpf status</c> and the dashboard read it.
/// </summary>
internal sealed class OperationRegistry
{
    private readonly ConcurrentDictionary<long, InFlightOperation> _operations = new();
    private long _next;

    public OperationRegistry() => CancellationResponders.EnsureStarted();

    /// <summary>Gets the number of operations in flight.</summary>
    public int Count => _operations.Count;

    /// <summary>Gets the operations in flight now.</summary>
    public IReadOnlyCollection<InFlightOperation> Operations => (IReadOnlyCollection<InFlightOperation>)_operations.Values;

    public InFlightOperation Register(OperationContext context)
    {
        var operation = new InFlightOperation(this, Interlocked.Increment(ref _next), context);
        _operations[operation.Id] = operation;
        return operation;
    }

    /// <summary>Cancels every operation in flight, telling each caller <paramref name="reason"/>; returns how many were cancelled.</summary>
    public int CancelAll(string reason) => CancelAll(reason, GatewayErrorCodes.OperationCancelled);

    /// <summary>
    /// Cancels every operation in flight, telling each caller <paramref name="reason"/> with <paramref name="code"/>
    /// (the emergency stop answers with <see cref="GatewayErrorCodes.EmergencyStopped"/>); returns how many were cancelled.
    /// </summary>
    // Compiled optimized at first use, like the batches' loops below: at tier 0 a loop over a thousand operations makes
    // the JIT compile an optimized copy of the method in the middle of it, on the stopping thread (on-stack
    // replacement, after ten runs of a thousand iterations: the emergency benchmark's tenth stop stalled 8-65 ms).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int CancelAll(string reason, int code)
    {
        // Marking is cheap and synchronous (the count is exact); the answers and the downstream cancellations are the
        // expensive part and run in parallel batches (docs/PERFORMANCE.md "Emergency stop").
        List<InFlightOperation>? marked = null;
        foreach (InFlightOperation operation in _operations.Values)
        {
            if (operation.MarkCancelled(reason, code))
            {
                (marked ??= []).Add(operation);
            }
        }

        if (marked is null)
        {
            return 0;
        }

        int batches = Math.Clamp(marked.Count / OperationsPerBatch, 1, Environment.ProcessorCount);
        int size = (marked.Count + batches - 1) / batches;
        var stop = new CancellationRun(marked, batches);
        for (int start = size; start < marked.Count; start += size)
        {
            CancellationResponders.Post(new CancellationBatch(stop, start, Math.Min(size, marked.Count - start)));
        }

        // The first batch is answered here (its callers need no hop); the downstream cancellations go to the pool.
        new CancellationBatch(stop, 0, Math.Min(size, marked.Count)).Answer();
        return marked.Count;
    }

    // Below this many operations a second batch costs more (a pool hop) than it saves.
    private const int OperationsPerBatch = 64;

    /// <summary>
    /// The operations one <see cref="CancelAll(string, int)"/> cancels, in two phases: every caller is answered first
    /// (in parallel batches; the pipeline completes each with the canceller's code without waiting for its downstream
    /// call), and only once the last batch is answered are the tokens cancelled (the terminals unwind and the
    /// downstream is sent <c>notifications/cancelled</c>), so the unwinding does not compete with the answers.
    /// </summary>
    internal sealed class CancellationRun(List<InFlightOperation> operations, int batches)
    {
        private readonly int _batches = batches;
        private int _answering = batches;

        public List<InFlightOperation> Operations => operations;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void BatchAnswered()
        {
            if (Interlocked.Decrement(ref _answering) != 0)
            {
                return;
            }

            int size = (operations.Count + _batches - 1) / _batches;
            for (int start = 0; start < operations.Count; start += size)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static batch => batch.CancelDownstream(), new CancellationBatch(this, start, Math.Min(size, operations.Count - start)), preferLocal: false);
            }
        }
    }

    /// <summary>A slice of a <see cref="CancellationRun"/>.</summary>
    internal sealed class CancellationBatch(CancellationRun run, int start, int count)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Answer()
        {
            for (int i = start; i < start + count; i++)
            {
                InFlightOperation operation = run.Operations[i];
                operation.AnswerCancelled();
                if (!operation.AwaitsTerminal)
                {
                    // Still in its filters (the audit's commit, a limiter's queue, an approval): cancelling its token is
                    // what answers it, so it is done here rather than by the pool after every batch.
                    operation.CancelToken();
                }
            }

            run.BatchAnswered();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void CancelDownstream()
        {
            for (int i = start; i < start + count; i++)
            {
                run.Operations[i].CancelToken();
            }
        }
    }

    internal void Remove(InFlightOperation operation) => _operations.TryRemove(new KeyValuePair<long, InFlightOperation>(operation.Id, operation));
}

/// <summary>
/// One operation in flight: its context, cancellation and state, and what the pipeline needs to report its one outcome
/// (how many filters allowed it, when it started), possibly long after the request that started it (a suspended call).
/// </summary>
internal sealed class InFlightOperation : IDisposable, IValueTaskSource<bool>
{
    // Stands in the abandoned-terminal slot once the terminal has finished.
    private static readonly Action TerminalFinishedMarker = static () => { };

    private readonly OperationRegistry _registry;
    private readonly CancellationTokenSource _cancellation = new();
    private CancellationTokenRegistration _caller;
    private int _disposed;
    private int _completed;

    // The pipeline's wait for its terminal (see WhenTerminalFinishedOrCancelled): true when the terminal finished,
    // false when the gateway cancelled the operation first; decided once.
    private ManualResetValueTaskSourceCore<bool> _race;
    private int _raceDecided;
    private string? _cancelReason;
    private Action? _terminalFinished;
    private Action? _abandoned;
    private bool _awaitsTerminal;

    internal InFlightOperation(OperationRegistry registry, long id, OperationContext context)
    {
        _registry = registry;
        Id = id;
        Context = context;
        StartedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Gets the <see cref="System.Diagnostics.Stopwatch"/> timestamp of the operation's start.</summary>
    public long StartedTimestamp { get; }

    /// <summary>Gets or sets how many filters allowed the operation so far: each of them is told its outcome.</summary>
    internal int AllowedCount { get; set; }

    /// <summary>Gets a value indicating whether the request that started the operation left it running (suspended) for a later request to finish.</summary>
    internal bool IsDeferred { get; private set; }

    /// <summary>Takes the right to report the outcome; true exactly once.</summary>
    internal bool TryBeginCompletion() => Interlocked.Exchange(ref _completed, 1) == 0;

    /// <summary>The operation outlives its request (suspended for client input): the outcome is reported later, once.</summary>
    internal void Defer()
    {
        IsDeferred = true;
        IsSuspended = true;
        ReleaseCaller();
    }

    /// <summary>A later request carries the suspended operation on: its token cancels the operation while it waits.</summary>
    internal void Resume(CancellationToken callerToken)
    {
        IsSuspended = false;
        ReleaseCaller();
        BindCaller(callerToken);
    }

    public long Id { get; }

    public OperationContext Context { get; }

    /// <summary>Gets a value indicating whether the operation waits for its client (an MRTR call suspended for input).</summary>
    public bool IsSuspended { get; internal set; }

    /// <summary>Gets the operation's token: cancelled by the caller's token while it waits on it, by <see cref="Cancel(string?)"/>, or by the gateway.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Ties the operation to the token of the request it runs in, until it is released or suspended.</summary>
    internal void BindCaller(CancellationToken callerToken)
    {
        if (callerToken.CanBeCanceled)
        {
            _caller = callerToken.UnsafeRegister(static state => ((InFlightOperation)state!).Cancel(reason: null), this);
        }
    }

    /// <summary>The request that carried the operation is done with it: its token no longer cancels it.</summary>
    internal void ReleaseCaller()
    {
        _caller.Dispose();
        _caller = default;
    }

    /// <summary>Gets why the gateway cancelled the operation (<see cref="Cancel(string?)"/> with a reason); null when it did not.</summary>
    public string? CancelReason
    {
        get => Volatile.Read(ref _cancelReason);
        private set => Volatile.Write(ref _cancelReason, value); // after CancelCode: whoever sees the reason sees its code
    }

    /// <summary>
    /// Cancels the operation; false if it had already ended. With a <paramref name="reason"/> the gateway cancels it
    /// (its caller gets <see cref="GatewayErrorCodes.OperationCancelled"/> with the reason); without, its caller did.
    /// </summary>
    public bool Cancel(string? reason) => Cancel(reason, GatewayErrorCodes.OperationCancelled);

    /// <summary>Gets the code the caller is answered with when the gateway cancelled the operation (<see cref="CancelReason"/> set).</summary>
    public int CancelCode { get; private set; } = GatewayErrorCodes.OperationCancelled;

    /// <summary>Cancels the operation as <see cref="Cancel(string?)"/> does, answering its caller with <paramref name="code"/> when a reason is given.</summary>
    public bool Cancel(string? reason, int code)
    {
        if (reason is null)
        {
            return CancelToken();
        }

        if (!MarkCancelled(reason, code))
        {
            return false;
        }

        AnswerCancelled();
        CancelToken();
        return true;
    }

    /// <summary>The gateway cancels the operation: records why and with which code; false if it had already ended.</summary>
    internal bool MarkCancelled(string reason, int code)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (CancelReason is null)
        {
            CancelCode = code;
            CancelReason = reason;
        }

        return true;
    }

    /// <summary>
    /// Answers the caller of an operation the gateway cancelled (<see cref="MarkCancelled"/>) at once: a pipeline
    /// waiting on its terminal stops waiting and reports the cancellation, without waiting for the terminal to unwind.
    /// </summary>
    internal void AnswerCancelled() => Decide(terminalFinished: false);

    /// <summary>Cancels the operation's token: its filters and terminal unwind and the downstream is told; false if it had already ended.</summary>
    internal bool CancelToken()
    {
        try
        {
            _cancellation.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits for <paramref name="running"/> (the pipeline's terminal) or for the gateway to cancel the operation,
    /// whichever comes first: true when the terminal finished (read its result), false when the gateway cancelled
    /// (the terminal is left to unwind on its own; see <see cref="Abandon{TResult}"/>). No allocation but one delegate
    /// per operation; the continuation runs where the terminal finished, as an await would.
    /// </summary>
    internal ValueTask<bool> WhenTerminalFinishedOrCancelled<TResult>(ValueTask<TResult> running)
    {
        Volatile.Write(ref _awaitsTerminal, true);
        running.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_terminalFinished ??= OnTerminalFinished);
        return new ValueTask<bool>(this, _race.Version);
    }

    /// <summary>Gets a value indicating whether the pipeline waits on the terminal (through <see cref="WhenTerminalFinishedOrCancelled"/>): past every filter.</summary>
    internal bool AwaitsTerminal => Volatile.Read(ref _awaitsTerminal);

    /// <summary>The pipeline answered without the terminal: its result or failure, when it comes, is read and dropped.</summary>
    internal void Abandon<TResult>(ValueTask<TResult> running)
    {
        Action drain = () => Drain(running);
        if (Interlocked.CompareExchange(ref _abandoned, drain, null) is not null)
        {
            drain(); // the terminal has finished meanwhile
        }
    }

    private static void Drain<TResult>(ValueTask<TResult> running)
    {
        try
        {
            running.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Too late for anyone: the caller was answered with the gateway's reason.
        }
    }

    private void OnTerminalFinished()
    {
        Action? abandoned = Interlocked.Exchange(ref _abandoned, TerminalFinishedMarker);
        Decide(terminalFinished: true);
        abandoned?.Invoke();
    }

    private void Decide(bool terminalFinished)
    {
        if (Interlocked.Exchange(ref _raceDecided, 1) == 0)
        {
            _race.SetResult(terminalFinished);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _race.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _race.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _race.OnCompleted(continuation, state, token, flags);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _caller.Dispose();
        _registry.Remove(this);
        if (CancelReason is null)
        {
            // An operation the gateway cancelled may be answered before its token is cancelled (the downstream
            // cancellation runs after the answer): its source is left to the canceller (no timer: nothing to release).
            _cancellation.Dispose();
        }
    }
}
