namespace McpFoundation.Configuration;

/// <summary>How the gateway talks to a downstream MCP server.</summary>
public enum ServerTransport
{
    /// <summary>The gateway starts the server as a child process and speaks JSON-RPC over its standard input and output.</summary>
    Stdio,

    /// <summary>The server is reached over MCP Streamable HTTP at <see cref="ServerDefinition.Url"/>.</summary>
    Http,

    /// <summary>The server is reached over the legacy HTTP + Server-Sent Events transport at <see cref="ServerDefinition.Url"/>.</summary>
    Sse,
}
