using McpFoundation.Configuration;
using McpFoundation.Storage;

namespace McpFoundation.Emergency;

/// <summary>The <c>emergency</c> section of the configuration, validated.</summary>
internal sealed record EmergencySettings
{
    /// <summary>The section's key.</summary>
    public const string SectionKey = "emergency";

    /// <summary>The file name of the default sentinel file, in the data directory.</summary>
    public const string DefaultStopFileName = "EMERGENCY_STOP";

    /// <summary>The variable that sets the admin API's key when the file sets none.</summary>
    public const string AdminKeyVariable = "MCPF_ADMIN_KEY";

    /// <summary>Gets the settings of a file without an <c>emergency</c> section.</summary>
    public static EmergencySettings Default { get; } = new();

    /// <summary>Gets a value indicating whether a stop also kills the stdio servers' process groups (<c>kill_servers</c>).</summary>
    public bool KillServers { get; init; }

    /// <summary>Gets the sentinel file as written (<c>stop_file</c>); null for <c>&lt;data_dir&gt;/EMERGENCY_STOP</c>.</summary>
    public string? StopFile { get; init; }

    /// <summary>Gets the admin API's key (<c>admin.key</c>); null when the file sets none (then <c>MCPF_ADMIN_KEY</c>). Never logged.</summary>
    public string? AdminKey { get; init; }

    /// <summary>Gets a value indicating whether the admin API answers callers that are not on the loopback interface (<c>admin.allow_remote</c>).</summary>
    public bool AdminAllowRemote { get; init; }

    /// <summary>Gets the settings of <paramref name="configuration"/>.</summary>
    public static EmergencySettings Of(GatewayConfiguration configuration) =>
        configuration.GetSection<EmergencySettings>(SectionKey) ?? Default;

    /// <summary>The full path of the sentinel file: <see cref="StopFile"/> (relative to the configuration file's directory) or the default in the data directory.</summary>
    public string ResolveStopFile(GatewayConfiguration configuration)
    {
        if (StopFile is { Length: > 0 } written)
        {
            string? baseDirectory = configuration.SourcePath is { } source ? Path.GetDirectoryName(source) : null;
            return Path.GetFullPath(Path.IsPathRooted(written) || baseDirectory is null ? written : Path.Combine(baseDirectory, written));
        }

        return Path.Combine(DataDirectory.Resolve(configuration), DefaultStopFileName);
    }

    /// <summary>The admin API's key: <see cref="AdminKey"/>, else <c>MCPF_ADMIN_KEY</c>; null when neither is set (the admin API is off).</summary>
    public string? ResolveAdminKey(Func<string, string?>? environment = null)
    {
        if (AdminKey is { Length: > 0 } key)
        {
            return key;
        }

        string? variable = (environment ?? Environment.GetEnvironmentVariable)(AdminKeyVariable);
        return string.IsNullOrWhiteSpace(variable) ? null : variable.Trim();
    }

    /// <summary>Never prints the key.</summary>
    public override string ToString() => $"EmergencySettings {{ KillServers = {KillServers}, StopFile = {StopFile ?? "(default)"}, AdminKey = {(AdminKey is null ? "(none)" : "(set)")}, AdminAllowRemote = {AdminAllowRemote} }}";
}
