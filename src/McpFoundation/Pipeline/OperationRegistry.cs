using System.Collections.Concurrent;

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
    public int CancelAll(string reason, int code)
    {
        int cancelled = 0;
        foreach (InFlightOperation operation in _operations.Values)
        {
            if (operation.Cancel(reason, code))
            {
                cancelled++;
            }
        }

        return cancelled;
    }

    internal void Remove(InFlightOperation operation) => _operations.TryRemove(new KeyValuePair<long, InFlightOperation>(operation.Id, operation));
}

/// <summary>
/// One operation in flight: its context, cancellation and state, and what the pipeline needs to report its one outcome
/// (how many filters allowed it, when it started), possibly long after the request that started it (a suspended call).
/// </summary>
internal sealed class InFlightOperation : IDisposable
{
    private readonly OperationRegistry _registry;
    private readonly CancellationTokenSource _cancellation = new();
    private CancellationTokenRegistration _caller;
    private int _disposed;
    private int _completed;

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
    public string? CancelReason { get; private set; }

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
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (reason is not null && CancelReason is null)
        {
            CancelCode = code;
            CancelReason = reason;
        }

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

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _caller.Dispose();
        _registry.Remove(this);
        _cancellation.Dispose();
    }
}
