using McpFoundation.Sessions;
using ModelContextProtocol.Server;

namespace McpFoundation.Upstreams;

/// <summary>
/// A request that is waiting on a downstream server: the client session it came from and the request-bound server
/// handle through which server-to-client requests caused by it must travel (for Streamable HTTP, the POST's stream).
/// Both are null for a call made through the library API, which has no client to ask.
/// </summary>
internal sealed record InFlightCall(ClientSession? Session, McpServer? RequestServer, string CorrelationId)
{
    /// <summary>Gets the exchange through which a stateless client answers server-to-client requests (MRTR), if it is one.</summary>
    public ClientInputExchange? Exchange { get; init; }

    private static readonly AsyncLocal<InFlightCall?> Current = new();

    /// <summary>Gets the call whose async flow is running, if any (set while a forwarded request is awaited).</summary>
    public static InFlightCall? Ambient => Current.Value;

    public static IDisposable Enter(InFlightCall call)
    {
        InFlightCall? previous = Current.Value;
        Current.Value = call;
        return new Scope(previous);
    }

    private sealed class Scope(InFlightCall? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
