namespace McpFoundation.Pipeline;

/// <summary>How an operation that entered the pipeline ended.</summary>
/// <param name="Succeeded">Whether the downstream answered with a result (a tool result with <c>isError</c> counts as an answer).</param>
/// <param name="ErrorCode">The JSON-RPC error code, when it failed (a denial's code when a filter refused it).</param>
/// <param name="ErrorMessage">The error message, when it failed.</param>
/// <param name="Duration">How long the operation took, from entering the pipeline to this outcome.</param>
public readonly record struct OperationOutcome(bool Succeeded, int? ErrorCode, string? ErrorMessage, TimeSpan Duration)
{
    /// <summary>
    /// Gets the result the client will receive (<c>CallToolResult</c>, <c>ReadResourceResult</c>, <c>ListToolsResult</c>,
    /// ...; <see langword="null"/> when the operation failed or has no result). A filter that wants the client to receive
    /// something else calls <see cref="OperationContext.ReplaceResult"/>; filters completed after it see the replacement.
    /// </summary>
    public object? Result { get; init; }

    /// <summary>Gets the filter that denied the operation, when one did.</summary>
    public string? DeniedBy { get; init; }

    /// <summary>Gets the rule that decided a denial (<see cref="SecurityDecision.Rule"/>), when the denying filter named one.</summary>
    public string? Rule { get; init; }

    /// <summary>
    /// Gets a value indicating whether the operation ended with an input-required answer the gateway itself needs (an
    /// approval of a stateless client, <see cref="SecurityDecision.RequireInput"/>; <see cref="DeniedBy"/> names the
    /// filter). Nothing was forwarded; the client's retry is a new operation.
    /// </summary>
    public bool InputRequired { get; init; }

    /// <summary>Gets a value indicating whether the operation was cancelled (by the client, a time limit, or the gateway).</summary>
    public bool Cancelled { get; init; }
}
