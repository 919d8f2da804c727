using McpFoundation.Configuration;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Pipeline;

/// <summary>
/// What an operation was resolved to, with its definition as the gateway exposes it: the tool (annotations, input
/// schema), prompt, resource or resource template, and the configured server that owns it (with its security profile).
/// </summary>
public sealed record OperationTarget
{
    /// <summary>Gets the id of the configured server that owns the target.</summary>
    public required string ServerId { get; init; }

    /// <summary>Gets the server's definition as configured (transport, timeout, security profile); never holds less than the configuration.</summary>
    public ServerDefinition? Server { get; init; }

    /// <summary>Gets the tool, for a tool call (its exposed name, annotations and input schema).</summary>
    public Tool? Tool { get; init; }

    /// <summary>Gets the prompt, for <c>prompts/get</c> and prompt completions.</summary>
    public Prompt? Prompt { get; init; }

    /// <summary>Gets the listed resource, when the URI is one a server listed.</summary>
    public Resource? Resource { get; init; }

    /// <summary>Gets the resource template the URI matched, when it is not a listed resource.</summary>
    public ResourceTemplate? ResourceTemplate { get; init; }

    /// <summary>Gets the server's security profile, if one is configured.</summary>
    public SecurityProfile? Profile => Server?.SecurityProfile;
}
