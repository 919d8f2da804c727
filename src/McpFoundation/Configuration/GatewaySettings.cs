using Microsoft.Extensions.Logging;

namespace McpFoundation.Configuration;

/// <summary>
/// Gateway-wide settings: the <c>settings</c> object of the configuration file, each overridable by an
/// <c>MCP_*</c> environment variable. Ranges are checked by <see cref="GatewayConfigurationLoader"/>; see
/// <c>docs/configuration.md</c>.
/// </summary>
public sealed record GatewaySettings
{
    /// <summary>Gets the largest number of enabled servers, 1 to 1000 (<c>max_servers</c>, <c>MCP_MAX_SERVERS</c>, default 10).</summary>
    public int MaxServers { get; init; } = 10;

    /// <summary>Gets the time limit of a call to a server that sets no <c>timeout</c> of its own (<c>default_timeout</c>, <c>MCP_DEFAULT_TIMEOUT</c>, seconds, default 30).</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets how long a server that sets no <c>connect_timeout</c> of its own may take to start, initialize and list its
    /// catalogue (<c>connect_timeout</c>, <c>MCP_CONNECT_TIMEOUT</c>, seconds, default 60: an <c>npx</c> first run downloads the package).
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets the time between two health checks of a server (<c>health_check_interval</c>, <c>MCP_HEALTH_CHECK_INTERVAL</c>, seconds, default 60).</summary>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets the minimum level of the gateway's logs (<c>log_level</c>, <c>MCP_LOG_LEVEL</c>, default <see cref="LogLevel.Information"/>).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Gets a value indicating whether unknown configuration fields are errors rather than warnings (<c>enable_strict_validation</c>, <c>MCP_ENABLE_STRICT_VALIDATION</c>, default true).</summary>
    public bool EnableStrictValidation { get; init; } = true;

    /// <summary>Gets how long an emergency stop waits for servers to stop before killing them (<c>emergency_stop_timeout</c>, <c>MCP_EMERGENCY_STOP_TIMEOUT</c>, seconds, default 5).</summary>
    public TimeSpan EmergencyStopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the number of days audit records are kept, 1 to 3650 (<c>audit_log_retention</c>, <c>MCP_AUDIT_LOG_RETENTION</c>, default 30).</summary>
    public int AuditLogRetentionDays { get; init; } = 30;

    /// <summary>Gets the largest size in UTF-8 bytes of one call's arguments (<c>max_argument_bytes</c>, <c>MCP_MAX_ARGUMENT_BYTES</c>, default 1 MiB); a server's <c>security_profile</c> may set its own.</summary>
    public int MaxArgumentBytes { get; init; } = 1024 * 1024;

    /// <summary>Gets the largest length in characters of one string argument value (<c>max_string_length</c>, <c>MCP_MAX_STRING_LENGTH</c>, default 256 KiB); a server's <c>security_profile</c> may set its own.</summary>
    public int MaxStringLength { get; init; } = 256 * 1024;

    /// <summary>Gets the deepest nesting of arrays and objects in one call's arguments (<c>max_argument_depth</c>, <c>MCP_MAX_ARGUMENT_DEPTH</c>, default 32); a server's <c>security_profile</c> may set its own.</summary>
    public int MaxArgumentDepth { get; init; } = 32;

    /// <summary>
    /// Gets the directory the gateway keeps its state in (the audit trail, the emergency state, keys), as written in
    /// <c>settings.data_dir</c> or <c>MCPF_DATA_DIR</c>; null means the default, <c>$XDG_DATA_HOME/mcpf</c> or
    /// <c>~/.local/share/mcpf</c>. A relative path is taken from the configuration file's directory. See
    /// <see cref="Storage.DataDirectory"/>.
    /// </summary>
    public string? DataDirectory { get; init; }
}
