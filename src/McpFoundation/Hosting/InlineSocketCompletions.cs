namespace McpFoundation.Hosting;

/// <summary>
/// The process-wide switch that runs socket completions on the socket engine's own threads instead of handing each to
/// the thread pool (the runtime's <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>). With it, and Kestrel's inline
/// scheduling, an HTTP request reaches the gateway with no thread hand-off: the largest single latency gain measured
/// (docs/PERFORMANCE.md). The price is a rule: code on the request path must not block, or it stalls every connection
/// served by the same socket thread.
/// </summary>
public static class InlineSocketCompletions
{
    /// <summary>The runtime's environment variable.</summary>
    public const string VariableName = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static volatile bool s_setByGateway;

    /// <summary>Gets a value indicating whether the variable is set for this process.</summary>
    public static bool IsEnabled => Environment.GetEnvironmentVariable(VariableName) == "1";

    /// <summary>Gets a value indicating whether <see cref="Enable"/> set the variable (rather than whoever started the process).</summary>
    internal static bool SetByGateway => s_setByGateway;

    /// <summary>
    /// Sets the variable for this process. The runtime reads it once, when the process first waits on a socket, so
    /// call this before anything opens a connection (before the host is built). Child processes the gateway starts
    /// with <c>inherit_env</c> do not get the variable from this call.
    /// </summary>
    public static void Enable()
    {
        if (!IsEnabled)
        {
            Environment.SetEnvironmentVariable(VariableName, "1");
            s_setByGateway = true;
        }
    }
}
