using McpFoundation.Pipeline;
using McpFoundation.Servers;
using McpFoundation.Sessions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Routing;

/// <summary>
/// A tool call of a stateless (2026-07-28) client whose downstream server asked for client input: the downstream call
/// keeps running while the client answers the input requests and retries with this call's <see cref="Id"/> as its
/// <c>requestState</c>. It keeps the original operation (<see cref="Context"/>): the call is one pipeline operation,
/// judged on its original arguments, with one outcome reported when the downstream call really ends.
/// </summary>
internal sealed class SuspendedCall : IDisposable
{
    private readonly CancellationTokenSource _lifetime;
    private ITimer? _expiry;

    public SuspendedCall(string id, OperationContext context, ClientInputExchange exchange, CancellationToken operationToken)
    {
        Id = id;
        Context = context;
        Exchange = exchange;

        // The operation's token: the client's cancel of the first request, the emergency stop, or Cancel below.
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(operationToken);
    }

    public string Id { get; }

    /// <summary>Gets the original operation: the first request's context, with the arguments the server runs.</summary>
    public OperationContext Context { get; }

    public string ToolName => Context.TargetName!;

    public string? UserId => Context.UserId;

    public ClientInputExchange Exchange { get; }

    public CancellationToken Lifetime => _lifetime.Token;

    public Task<CallToolResult>? Downstream { get; set; }

    public ProgressSink? Progress { get; set; }

    /// <summary>Gets the input requests sent to the client and not answered yet, by key.</summary>
    public Dictionary<string, InputRequest> Unanswered { get; } = new(StringComparer.Ordinal);

    public void StartExpiry(TimeProvider timeProvider, TimeSpan timeout, Action<SuspendedCall> expired)
    {
        _expiry?.Dispose();
        _expiry = timeProvider.CreateTimer(static state => ((Action)state!)(), new Action(() => expired(this)), timeout, Timeout.InfiniteTimeSpan);
    }

    public void StopExpiry()
    {
        _expiry?.Dispose();
        _expiry = null;
    }

    /// <summary>Abandons the call: the downstream request is cancelled (the server is told) and waiting input requests fail.</summary>
    public void Cancel(Exception reason)
    {
        StopExpiry();
        Exchange.Abandon(reason);
        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    public void Dispose()
    {
        StopExpiry();
        _lifetime.Dispose();
    }
}
