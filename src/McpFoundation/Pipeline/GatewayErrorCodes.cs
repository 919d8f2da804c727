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
    /// <summary>JSON-RPC parse error: the frame is not JSON (or not UTF-8).</summary>
    public const int ParseError = -32700;

    /// <summary>JSON-RPC invalid request: JSON, but not one JSON-RPC message (a batch, no method, a bad id or version).</summary>
    public const int InvalidRequest = -32600;

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

    /// <summary>The policy denied the operation: an explicit <c>deny</c> rule, or the default of <c>deny</c> with no rule allowing it (<c>data.rule</c> names which).</summary>
    public const int PolicyDenied = -31040;

    /// <summary>
    /// An argument was refused after canonicalization: a path outside <c>allowed_paths</c> or with a refused spelling, a
    /// URL to a refused host or a private address, a command with shell metacharacters, an extension not allowed, an
    /// argument over a size limit (<c>data.rule</c> names the profile field or limit, <c>data.argument</c> the argument).
    /// </summary>
    public const int ArgumentRejected = -31041;

    /// <summary>The arguments do not match the tool's <c>inputSchema</c> (strict validation, <c>MCP_ENABLE_STRICT_VALIDATION</c>).</summary>
    public const int ArgumentsInvalid = -31042;

    /// <summary>A call that needed approval (a policy <c>ask</c>) was refused by the user, or the approval timed out.</summary>
    public const int ApprovalRefused = -31043;

    /// <summary>A call needed approval (a policy <c>ask</c>) but the client cannot be asked (no elicitation capability, a library call).</summary>
    public const int ApprovalUnavailable = -31044;

    /// <summary>The server's <c>security_profile.require_authentication</c> refuses an anonymous caller.</summary>
    public const int AuthenticationRequired = -31045;

    /// <summary>The operation is not among the server's <c>security_profile.allowed_operations</c> (the tool's operation class is in <c>data</c>).</summary>
    public const int OperationNotAllowed = -31046;

    /// <summary>
    /// The gateway is under an emergency stop: every operation is refused and every call in flight was cancelled, until
    /// an operator resumes it (the message says by whom, why, and how to resume; see docs/emergency.md).
    /// </summary>
    public const int EmergencyStopped = -31050;

    /// <summary>The audit trail cannot be written (the store fails, or its queue is full), so the call was refused before it was forwarded (fail closed).</summary>
    public const int AuditUnavailable = -31070;

    /// <summary>A rate limit refused the call: the server's <c>security_profile.rate_limit</c>, <c>limits.per_user.calls_per_minute</c>, a tool's limit or the adaptive response's throttle (<c>data.rule</c> names which, <c>data.retryAfterSeconds</c> when to retry).</summary>
    public const int RateLimited = -31055;

    /// <summary>A concurrency limit refused the call: too many calls of the server, the user or the tool run at once and the queue is full or the wait ran out (<c>data.rule</c> names which, <c>data.retryAfterSeconds</c> when to retry).</summary>
    public const int ConcurrencyLimited = -31056;

    /// <summary>The adaptive response quarantined the caller's user or session (or the server): <c>data.until</c> says until when, <c>data.subject</c> what an operator releases with <c>mcpf release</c>.</summary>
    public const int Quarantined = -31057;

    /// <summary>The frame (HTTP request body, stdio line) is larger than <c>http.max_request_bytes</c>; sent with HTTP 413.</summary>
    public const int FrameTooLarge = -31065;

    /// <summary>The frame nests deeper than <c>http.max_json_depth</c>, or has a string or an array over <c>http.max_string_length</c> / <c>http.max_array_items</c>.</summary>
    public const int FrameLimitExceeded = -31066;

    /// <summary>Gets a value indicating whether <paramref name="code"/> is one of the gateway's own codes.</summary>
    /// <param name="code">A JSON-RPC error code.</param>
    /// <returns>True for a code in -31099..-31000.</returns>
    public static bool IsGatewayCode(int code) => code is >= FirstGatewayCode and <= LastGatewayCode;
}
