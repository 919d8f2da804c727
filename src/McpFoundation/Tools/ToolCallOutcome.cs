using ModelContextProtocol.Protocol;

namespace McpFoundation.Tools;

/// <summary>
/// How a tool call through <see cref="ToolRegistry.ExecuteToolAsync"/> ended: with the server's result, or with an error
/// (refused, unknown tool, server unavailable, or the server's own JSON-RPC error) as a value.
/// </summary>
public sealed record ToolCallOutcome
{
    /// <summary>Gets the tool's result, when the server answered with one.</summary>
    public CallToolResult? Result { get; init; }

    /// <summary>Gets the JSON-RPC error code when there is no result (see docs/errors.md).</summary>
    public int? ErrorCode { get; init; }

    /// <summary>Gets the error message when there is no result.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets the correlation id of the call, for logs and audit.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the server that handled the call, if it was routed.</summary>
    public string? ServerId { get; init; }

    /// <summary>Gets a value indicating whether the server returned a result that is not a tool error.</summary>
    public bool Succeeded => Result is { IsError: not true };
}

/// <summary>The seed's <c>tool_executed</c> event: raised when a tool call through the gateway completes.</summary>
/// <param name="toolName">The exposed tool name.</param>
/// <param name="serverId">The server that ran it, if routed.</param>
/// <param name="userId">The user on whose behalf it ran, if known.</param>
/// <param name="succeeded">Whether it returned a result that is not an error.</param>
/// <param name="errorCode">The JSON-RPC error code, if it failed with one.</param>
/// <param name="duration">How long it took.</param>
/// <param name="correlationId">The call's correlation id.</param>
public sealed class ToolExecutedEventArgs(string toolName, string? serverId, string? userId, bool succeeded, int? errorCode, TimeSpan duration, string correlationId) : EventArgs
{
    /// <summary>Gets the exposed tool name.</summary>
    public string ToolName { get; } = toolName;

    /// <summary>Gets the server that ran it, if routed.</summary>
    public string? ServerId { get; } = serverId;

    /// <summary>Gets the user on whose behalf it ran, if known.</summary>
    public string? UserId { get; } = userId;

    /// <summary>Gets a value indicating whether it returned a result that is not an error.</summary>
    public bool Succeeded { get; } = succeeded;

    /// <summary>Gets the JSON-RPC error code, if it failed with one.</summary>
    public int? ErrorCode { get; } = errorCode;

    /// <summary>Gets how long it took.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <summary>Gets the call's correlation id.</summary>
    public string CorrelationId { get; } = correlationId;
}
