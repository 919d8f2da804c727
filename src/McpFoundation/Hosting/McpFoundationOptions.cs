using McpFoundation.Configuration;

namespace McpFoundation.Hosting;

/// <summary>Where the gateway gets its configuration.</summary>
public sealed class McpFoundationOptions
{
    /// <summary>Gets or sets the path of the configuration file (seed format or Claude Desktop format).</summary>
    public string? ConfigurationPath { get; set; }

    /// <summary>Gets or sets a configuration built in code; used instead of <see cref="ConfigurationPath"/> when set.</summary>
    public GatewayConfiguration? Configuration { get; set; }

    /// <summary>
    /// Gets or sets the <c>MCP_*</c> variables that override the file; null reads this process's environment.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the configuration file is reloaded when it changes on disk or the
    /// process gets SIGHUP (<c>mcpf serve</c> sets it; off by default for embedding hosts). Applies only to a
    /// configuration that came from a file.
    /// </summary>
    public bool WatchConfigurationFile { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether SIGUSR1 to this process triggers the emergency stop (<c>mcpf serve</c>
    /// sets it; off by default for embedding hosts, whose process may host other things). See docs/emergency.md.
    /// </summary>
    public bool ListenForEmergencySignal { get; set; }
}
