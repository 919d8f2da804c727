using McpFoundation.Sessions;
using McpFoundation.Servers;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Routing;

/// <summary>
/// A tool call of a stateless (2026-07-28) client whose downstream server asked for client input: the downstream call
/// keeps running while the client answers the input requests and retries with this call's <see cref="Id"/> as its
/// <c>requestState</c>.
/// </summary>
internal sealed class SuspendedCall : IDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private ITimer? _expiry;

    public SuspendedCall(string id, string toolName, string? userId, ClientInputExchange exchange)
    {
        Id = id;
        ToolName = toolName;
        UserId = userId;
        Exchange = exchange;
    }

    public string Id { get; }

    public string ToolName { get; }

    public string? UserId { get; }

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
        _lifetime.Cancel();
    }

    public void Dispose()
    {
        StopExpiry();
        _lifetime.Dispose();
    }
}
