namespace McpFoundation.Pipeline;

/// <summary>An operation in the gateway right now, as <c>McpSecurityIntegration.GetOperationsInFlight</c> reports it.</summary>
/// <param name="CorrelationId">The operation's correlation id.</param>
/// <param name="Category">The kind of operation.</param>
/// <param name="Method">The MCP method.</param>
/// <param name="TargetName">The tool, prompt or resource the client named, if any.</param>
/// <param name="ServerId">The server it is routed to, if resolved.</param>
/// <param name="UserId">The caller's user id, if known.</param>
/// <param name="StartedAt">When it entered the pipeline.</param>
/// <param name="IsSuspended">Whether it waits for its client (an MRTR call suspended for input).</param>
public sealed record OperationInFlight(
    string CorrelationId,
    OperationCategory Category,
    string Method,
    string? TargetName,
    string? ServerId,
    string? UserId,
    DateTimeOffset StartedAt,
    bool IsSuspended);
