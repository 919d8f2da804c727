namespace McpFoundation.Pipeline;

/// <summary>How an operation that passed the pipeline ended.</summary>
/// <param name="Succeeded">Whether the downstream answered with a result (a tool result with <c>isError</c> counts as an answer).</param>
/// <param name="ErrorCode">The JSON-RPC error code, when it failed.</param>
/// <param name="ErrorMessage">The error message, when it failed.</param>
/// <param name="Duration">How long routing and the downstream took.</param>
public readonly record struct OperationOutcome(bool Succeeded, int? ErrorCode, string? ErrorMessage, TimeSpan Duration);
