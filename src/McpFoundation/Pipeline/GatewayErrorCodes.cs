namespace McpFoundation.Pipeline;

/// <summary>
/// The stable JSON-RPC error codes the gateway itself returns. Every code is documented in docs/errors.md.
/// Where JSON-RPC or MCP defines a code for the case (invalid params, internal error, resource not found) the gateway
/// uses it; its own codes live in the block -31000..-31099, outside the range JSON-RPC reserves (-32768..-32000), where
/// MCP keeps adding codes of its own (2026-07-28 took -32020 for a header mismatch). Errors that come from a
/// downstream server keep that server's code and message.
/// </summary>
public static class GatewayErrorCodes
{
    /// <summary>JSON-RPC invalid params: unknown tool or prompt, or malformed arguments.</summary>
    public const int InvalidParams = -32602;

    /// <summary>JSON-RPC internal error.</summary>
    public const int InternalError = -32603;

    /// <summary>MCP: the requested resource does not exist on any configured server.</summary>
    public const int ResourceNotFound = -32002;

    /// <summary>The first code of the gateway's own block.</summary>
    public const int FirstGatewayCode = -31099;

    /// <summary>The last code of the gateway's own block.</summary>
    public const int LastGatewayCode = -31000;

    /// <summary>The server that owns the requested tool, resource or prompt is not connected.</summary>
    public const int ServerUnavailable = -31001;

    /// <summary>The downstream server did not answer within the configured timeout.</summary>
    public const int ServerTimeout = -31002;

    /// <summary>The downstream server does not support the requested feature.</summary>
    public const int FeatureNotSupported = -31003;

    /// <summary>A pipeline filter denied the operation.</summary>
    public const int OperationDenied = -31010;

    /// <summary>A pipeline filter failed while deciding; the gateway fails closed.</summary>
    public const int FilterFailed = -31011;

    /// <summary>
    /// The gateway cancelled the operation while it ran or waited (an emergency stop, a limit, shutdown: whatever
    /// cancelled it through the registry of operations in flight); a downstream server working on it was told.
    /// </summary>
    public const int OperationCancelled = -31012;

    /// <summary>A server-to-client request could not be attributed to exactly one client session.</summary>
    public const int ClientRequestNotRoutable = -31020;

    /// <summary>The client session lacks the capability the server-to-client request needs.</summary>
    public const int ClientCapabilityMissing = -31021;

    /// <summary>The HTTP request's <c>Host</c> or <c>Origin</c> is not allowed (DNS-rebinding protection); sent with HTTP 403.</summary>
    public const int ForbiddenOrigin = -31030;

    /// <summary>Gets a value indicating whether <paramref name="code"/> is one of the gateway's own codes.</summary>
    /// <param name="code">A JSON-RPC error code.</param>
    /// <returns>True for a code in -31099..-31000.</returns>
    public static bool IsGatewayCode(int code) => code is >= FirstGatewayCode and <= LastGatewayCode;
}
