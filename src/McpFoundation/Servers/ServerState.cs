namespace McpFoundation.Servers;

/// <summary>The connection state of one configured server.</summary>
public enum ServerState
{
    /// <summary>The server is configured with <c>"enabled": false</c>.</summary>
    Disabled,

    /// <summary>The gateway is starting the server or connecting to it.</summary>
    Connecting,

    /// <summary>The server is initialized and answering.</summary>
    Connected,

    /// <summary>The server could not be reached, exited, or stopped answering; see <see cref="ServerHealth.ErrorMessage"/>.</summary>
    Failed,

    /// <summary>The server was removed or the gateway is shutting down.</summary>
    Stopped,
}
