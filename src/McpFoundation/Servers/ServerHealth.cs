namespace McpFoundation.Servers;

/// <summary>The health of one configured server at one moment.</summary>
/// <param name="ServerId">The server's id (its key in the configuration).</param>
/// <param name="State">Its connection state.</param>
/// <param name="ErrorMessage">Why it is not healthy, or null.</param>
/// <param name="CheckedAt">When this was observed.</param>
/// <param name="Latency">The round trip of the last successful ping, if one was made.</param>
public sealed record ServerHealth(string ServerId, ServerState State, string? ErrorMessage, DateTimeOffset CheckedAt, TimeSpan? Latency)
{
    /// <summary>Gets a value indicating whether the server is connected and answering.</summary>
    public bool IsHealthy => State == ServerState.Connected;
}

/// <summary>Raised when a server's health state changes (the seed's <c>server_health_changed</c> event).</summary>
/// <param name="previous">The state before.</param>
/// <param name="current">The health now.</param>
public sealed class ServerHealthChangedEventArgs(ServerState previous, ServerHealth current) : EventArgs
{
    /// <summary>Gets the state before the change.</summary>
    public ServerState Previous { get; } = previous;

    /// <summary>Gets the health now.</summary>
    public ServerHealth Current { get; } = current;
}
