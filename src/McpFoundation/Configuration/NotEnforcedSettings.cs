using Microsoft.Extensions.Logging;

namespace McpFoundation.Configuration;

/// <summary>
/// Says which configured fields are accepted but not enforced yet: today <c>risk_level</c> of <c>security_profile</c>
/// (the argument inspector enforces the others; the limits filter <c>max_concurrent_operations</c> and <c>rate_limit</c>).
/// <c>mcpf config check</c> prints these as warnings (the exit code stays 0) and the gateway logs each once at start,
/// so nobody takes a limit in the file for a limit the gateway applies. Remove an entry when the issue that enforces
/// the field lands.
/// </summary>
internal static partial class NotEnforcedSettings
{
    /// <summary>Finds every server whose <c>security_profile</c> sets a field that is not enforced yet, in configuration order.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>One notice per field set, located by its JSON path (<c>servers.&lt;name&gt;.security_profile.&lt;field&gt;</c>).</returns>
    public static IReadOnlyList<ConfigurationError> Find(GatewayConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var notices = new List<ConfigurationError>();
        foreach (var (name, server) in configuration.Servers)
        {
            if (server.SecurityProfile is not { } profile)
            {
                continue;
            }

            var path = $"servers.{name}.security_profile.";
            if (profile.RiskLevel is not null)
            {
                notices.Add(Notice(path + "risk_level", "risk scoring is a later release); nothing is scored or refused by it"));
            }
        }

        return notices;
    }

    /// <summary>Formats a notice as one line, e.g. <c>servers.fs.security_profile.allowed_operations is accepted but not enforced yet (...)</c>.</summary>
    /// <param name="notice">A notice from <see cref="Find"/>.</param>
    /// <returns>The path followed by the message.</returns>
    public static string Format(ConfigurationError notice) => $"{notice.Path} {notice.Message}";

    /// <summary>Logs every notice once, as a warning.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="configuration">The configuration the gateway starts with.</param>
    public static void LogAll(ILogger logger, GatewayConfiguration configuration)
    {
        foreach (var notice in Find(configuration))
        {
            LogNotEnforced(logger, notice.Path, notice.Message);
        }
    }

    private static ConfigurationError Notice(string path, string reason) =>
        new(path, $"is accepted but not enforced yet ({reason}");

    [LoggerMessage(EventId = 1001, EventName = "ConfigurationNotEnforced", Level = LogLevel.Warning, Message = "{Path} {Message}")]
    private static partial void LogNotEnforced(ILogger logger, string path, string message);
}
