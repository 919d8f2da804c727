namespace McpFoundation.Pipeline;

/// <summary>The kind of operation passing through the gateway's pipeline.</summary>
public enum OperationCategory
{
    /// <summary>A <c>tools/call</c> request from a client.</summary>
    ToolExecution,

    /// <summary>A <c>resources/read</c> request from a client.</summary>
    ResourceRead,

    /// <summary>A <c>prompts/get</c> request from a client.</summary>
    PromptGet,

    /// <summary>A <c>completion/complete</c> request from a client.</summary>
    Completion,

    /// <summary>A <c>resources/subscribe</c> or <c>resources/unsubscribe</c> request from a client.</summary>
    ResourceSubscription,

    /// <summary>
    /// A <c>logging/setLevel</c> request from a client (server id null), and each server it is then sent to (one
    /// operation per server, with its <see cref="OperationContext.Parent"/> the client's request).
    /// </summary>
    LoggingLevel,

    /// <summary>A list request (<c>tools/list</c>, <c>resources/list</c>, <c>prompts/list</c>, ...) from a client.</summary>
    Discovery,

    /// <summary>A server-to-client request (sampling, elicitation, roots) on its way from a server to a client.</summary>
    ServerToClientRequest,

    /// <summary>A notification (progress, log message, resource update, list changed) on its way to a client.</summary>
    ServerNotification,

    /// <summary>
    /// A stateless (2026-07-28) client's answers (<c>inputResponses</c>) to the input requests of a suspended tool call,
    /// on their way to the server that asked. Its <see cref="OperationContext.Parent"/> is the suspended call.
    /// </summary>
    ClientInputResponse,
}
