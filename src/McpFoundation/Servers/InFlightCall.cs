using McpFoundation.Sessions;
using ModelContextProtocol.Server;

namespace McpFoundation.Servers;

/// <summary>
/// A request that is waiting on a downstream server: the client session it came from and the request-bound server
/// handle through which server-to-client requests caused by it must travel (for Streamable HTTP, the POST's stream).
/// Both are null for a call made through the library API, which has no client to ask.
/// </summary>
internal sealed record InFlightCall(ClientSession? Session, McpServer? RequestServer, string CorrelationId)
{
    /// <summary>Gets the exchange through which a stateless client answers server-to-client requests (MRTR), if it is one.</summary>
    public ClientInputExchange? Exchange { get; init; }

    /// <summary>Gets the pipeline operation of the call: the parent of the server-to-client requests it causes.</summary>
    public Pipeline.OperationContext? Context { get; init; }
}
