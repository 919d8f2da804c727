namespace McpFoundation.Configuration;

/// <summary>One problem found in a configuration, located by its JSON path.</summary>
/// <param name="Path">
/// Where the problem is: a JSON path such as <c>servers.web_api.url</c> or <c>servers.fs.command[0]</c>,
/// <c>$</c> for the document as a whole, or <c>env:MCP_MAX_SERVERS</c> for an environment variable.
/// </param>
/// <param name="Message">What is wrong and what to write instead. Never contains the value of a secret.</param>
public sealed record ConfigurationError(string Path, string Message)
{
    /// <summary>Formats the error as <c>path: message</c>.</summary>
    /// <returns>The path and the message, separated by a colon.</returns>
    public override string ToString() => $"{Path}: {Message}";
}
