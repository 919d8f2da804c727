namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// The gateway's words for the SDK's HTTP transport errors that reach clients: the SDK's messages advise a server
/// developer (set <c>HttpServerTransportOptions.SessionMode</c>), which means nothing to a gateway user.
/// </summary>
internal static class SdkErrorWording
{
    public const string NoSession =
        "No session: send initialize first (protocol 2025-11-25) and then the Mcp-Session-Id header it returns on every request, "
        + "or use the stateless 2026-07-28 revision with _meta/io.modelcontextprotocol/protocolVersion.";

    public const string UnknownSession =
        "Unknown session: this gateway has no session with that Mcp-Session-Id (it ended, was closed after being idle, or the gateway restarted). "
        + "Send initialize again to start a new session.";

    public const string SessionRequiredForGetAndDelete =
        "GET and DELETE need the Mcp-Session-Id header of a session: send initialize first (protocol 2025-11-25). "
        + "A stateless 2026-07-28 client has no session to open a stream on or to end.";

    public const string NoUserIdClaim =
        "Forbidden: the authenticated user has no user id claim (NameIdentifier, sub or upn), which a session needs to be tied to its user. "
        + "Configure the gateway's authentication to issue one.";

    /// <summary>Returns the gateway's message for an SDK message, or null to leave it as it is.</summary>
    public static string? Translate(string message) => message switch
    {
        _ when message.StartsWith("Bad Request: A new session can only be created by an initialize request", StringComparison.Ordinal) => NoSession,
        "Session not found" or "Session not found." => UnknownSession,
        _ when message.StartsWith("Bad Request: Mcp-Session-Id header is required for GET and DELETE", StringComparison.Ordinal) => SessionRequiredForGetAndDelete,
        _ when message.StartsWith("Forbidden: Authenticated users need a ClaimTypes.NameIdentifier", StringComparison.Ordinal) => NoUserIdClaim,
        _ => null,
    };
}
