namespace McpFoundation.Pipeline;

/// <summary>Which kind of MCP client an operation came from.</summary>
public enum ProtocolEra
{
    /// <summary>No client: a call made through the library API (<c>ExecuteToolAsync</c>), or the gateway's own.</summary>
    None,

    /// <summary>A session-based client (stdio, or Streamable HTTP with an <c>initialize</c> handshake; 2025-11-25 and earlier).</summary>
    SessionBased,

    /// <summary>A stateless client of the 2026-07-28 revision: every request stands alone; server-to-client requests travel as MRTR input requests.</summary>
    Stateless,
}
