namespace McpFoundation.Pipeline;

/// <summary>
/// The stable JSON-RPC error codes the gateway itself returns. Every code is documented in docs/errors.md.
/// Errors that come from a downstream server keep that server's code and message.
/// </summary>
public static class GatewayErrorCodes
{
    /// <summary>JSON-RPC invalid params: unknown tool or prompt, or malformed arguments.</summary>
    public const int InvalidParams = -32602;

    /// <summary>JSON-RPC internal error.</summary>
    public const int InternalError = -32603;

    /// <summary>MCP: the requested resource does not exist on any configured server.</summary>
    public const int ResourceNotFound = -32002;

    /// <summary>The server that owns the requested tool, resource or prompt is not connected.</summary>
    public const int ServerUnavailable = -32010;

    /// <summary>The downstream server did not answer within the configured timeout.</summary>
    public const int ServerTimeout = -32011;

    /// <summary>The downstream server does not support the requested feature.</summary>
    public const int FeatureNotSupported = -32012;

    /// <summary>A pipeline filter denied the operation.</summary>
    public const int OperationDenied = -32020;

    /// <summary>A pipeline filter failed while deciding; the gateway fails closed.</summary>
    public const int FilterFailed = -32021;

    /// <summary>A server-to-client request could not be attributed to exactly one client session.</summary>
    public const int ClientRequestNotRoutable = -32030;

    /// <summary>The client session lacks the capability the server-to-client request needs.</summary>
    public const int ClientCapabilityMissing = -32031;
}
