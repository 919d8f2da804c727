using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Configuration;

/// <summary>Reads the <c>settings</c> object of a configuration file, then applies the <c>MCP_*</c> environment overrides.</summary>
internal static class SettingsReader
{
    internal const string MaxServersVariable = "MCP_MAX_SERVERS";
    internal const string DefaultTimeoutVariable = "MCP_DEFAULT_TIMEOUT";
    internal const string HealthCheckIntervalVariable = "MCP_HEALTH_CHECK_INTERVAL";
    internal const string LogLevelVariable = "MCP_LOG_LEVEL";
    internal const string StrictValidationVariable = "MCP_ENABLE_STRICT_VALIDATION";
    internal const string EmergencyStopTimeoutVariable = "MCP_EMERGENCY_STOP_TIMEOUT";
    internal const string AuditLogRetentionVariable = "MCP_AUDIT_LOG_RETENTION";

    internal const int MaxServersLimit = 1000;
    internal const double MaxHealthCheckIntervalSeconds = 86400;
    internal const double MaxEmergencyStopTimeoutSeconds = 300;
    internal const int MaxAuditLogRetentionDays = 3650;

    internal static readonly string[] Variables =
    [
        MaxServersVariable, DefaultTimeoutVariable, HealthCheckIntervalVariable, LogLevelVariable,
        StrictValidationVariable, EmergencyStopTimeoutVariable, AuditLogRetentionVariable,
    ];

    internal static readonly string[] Fields =
    [
        "max_servers", "default_timeout", "health_check_interval", "log_level",
        "enable_strict_validation", "emergency_stop_timeout", "audit_log_retention",
    ];

    private const string LogLevelChoices = "TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL or NONE";

    private static readonly Dictionary<string, LogLevel> LogLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TRACE"] = LogLevel.Trace,
        ["DEBUG"] = LogLevel.Debug,
        ["INFO"] = LogLevel.Information,
        ["INFORMATION"] = LogLevel.Information,
        ["WARN"] = LogLevel.Warning,
        ["WARNING"] = LogLevel.Warning,
        ["ERROR"] = LogLevel.Error,
        ["CRITICAL"] = LogLevel.Critical,
        ["FATAL"] = LogLevel.Critical,
        ["NONE"] = LogLevel.None,
    };

    private static readonly Dictionary<string, bool> Booleans = new(StringComparer.OrdinalIgnoreCase)
    {
        ["true"] = true,
        ["false"] = false,
        ["1"] = true,
        ["0"] = false,
        ["yes"] = true,
        ["no"] = false,
        ["on"] = true,
        ["off"] = false,
    };

    /// <summary>Parses a log level name: TRACE DEBUG INFO WARNING/WARN ERROR CRITICAL NONE, or the .NET names, any case.</summary>
    public static bool TryParseLogLevel(string? text, out LogLevel level) =>
        LogLevels.TryGetValue(text?.Trim() ?? string.Empty, out level);

    public static GatewaySettings Read(JsonElement? element, IReadOnlyDictionary<string, string?> environment, ConfigurationReader reader)
    {
        var settings = new GatewaySettings();
        if (element is { } value)
        {
            settings = ReadFile(value, settings, reader);
        }

        return ApplyEnvironment(settings, environment, reader.Diagnostics);
    }

    private static GatewaySettings ReadFile(JsonElement element, GatewaySettings settings, ConfigurationReader reader)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Diagnostics.Error("settings", "must be an object, e.g. \"settings\": {\"max_servers\": 10}");
            return settings;
        }

        foreach (var property in reader.Properties(element, "settings"))
        {
            var path = ConfigurationReader.Join("settings", property.Name);
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (property.Name)
            {
                case "max_servers":
                    settings = reader.ReadWholeNumber(value, path, property.Name, 1, MaxServersLimit, 10) is { } maxServers
                        ? settings with { MaxServers = maxServers }
                        : settings;
                    break;
                case "default_timeout":
                    settings = reader.ReadSeconds(value, path, property.Name, ConfigurationReader.MaxCallTimeoutSeconds, 30) is { } timeout
                        ? settings with { DefaultTimeout = timeout }
                        : settings;
                    break;
                case "health_check_interval":
                    settings = reader.ReadSeconds(value, path, property.Name, MaxHealthCheckIntervalSeconds, 60) is { } interval
                        ? settings with { HealthCheckInterval = interval }
                        : settings;
                    break;
                case "log_level":
                    if (value.ValueKind == JsonValueKind.String && TryParseLogLevel(value.GetString(), out var level))
                    {
                        settings = settings with { LogLevel = level };
                    }
                    else
                    {
                        reader.Diagnostics.Error(path, $"must be one of {LogLevelChoices}, e.g. \"log_level\": \"INFO\"");
                    }

                    break;
                case "enable_strict_validation":
                    settings = reader.ReadBoolean(value, path, property.Name, example: true) is { } strict
                        ? settings with { EnableStrictValidation = strict }
                        : settings;
                    break;
                case "emergency_stop_timeout":
                    settings = reader.ReadSeconds(value, path, property.Name, MaxEmergencyStopTimeoutSeconds, 5) is { } stopTimeout
                        ? settings with { EmergencyStopTimeout = stopTimeout }
                        : settings;
                    break;
                case "audit_log_retention":
                    settings = reader.ReadWholeNumber(value, path, property.Name, 1, MaxAuditLogRetentionDays, 30) is { } days
                        ? settings with { AuditLogRetentionDays = days }
                        : settings;
                    break;
                default:
                    reader.Diagnostics.UnknownField(path, property.Name, Fields);
                    break;
            }
        }

        return settings;
    }

    private static GatewaySettings ApplyEnvironment(GatewaySettings settings, IReadOnlyDictionary<string, string?> environment, ConfigurationDiagnostics diagnostics)
    {
        if (TryGet(environment, MaxServersVariable, out var raw))
        {
            settings = TryParseWhole(raw, 1, MaxServersLimit, out var value)
                ? settings with { MaxServers = value }
                : Invalid(settings, diagnostics, MaxServersVariable, raw, $"must be a whole number from 1 to {MaxServersLimit}, e.g. {MaxServersVariable}=10");
        }

        if (TryGet(environment, DefaultTimeoutVariable, out raw))
        {
            settings = TryParseSeconds(raw, ConfigurationReader.MaxCallTimeoutSeconds, out var value)
                ? settings with { DefaultTimeout = value }
                : Invalid(settings, diagnostics, DefaultTimeoutVariable, raw, SecondsMessage(DefaultTimeoutVariable, ConfigurationReader.MaxCallTimeoutSeconds, "30"));
        }

        if (TryGet(environment, HealthCheckIntervalVariable, out raw))
        {
            settings = TryParseSeconds(raw, MaxHealthCheckIntervalSeconds, out var value)
                ? settings with { HealthCheckInterval = value }
                : Invalid(settings, diagnostics, HealthCheckIntervalVariable, raw, SecondsMessage(HealthCheckIntervalVariable, MaxHealthCheckIntervalSeconds, "60"));
        }

        if (TryGet(environment, LogLevelVariable, out raw))
        {
            settings = TryParseLogLevel(raw, out var value)
                ? settings with { LogLevel = value }
                : Invalid(settings, diagnostics, LogLevelVariable, raw, $"must be one of {LogLevelChoices}, e.g. {LogLevelVariable}=INFO");
        }

        var strictFromEnvironment = false;
        if (TryGet(environment, StrictValidationVariable, out raw))
        {
            if (Booleans.TryGetValue(raw.Trim(), out var value))
            {
                settings = settings with { EnableStrictValidation = value };
                strictFromEnvironment = true;
            }
            else
            {
                settings = Invalid(settings, diagnostics, StrictValidationVariable, raw, $"must be true or false (also 1/0, yes/no, on/off), e.g. {StrictValidationVariable}=true");
            }
        }

        if (TryGet(environment, EmergencyStopTimeoutVariable, out raw))
        {
            settings = TryParseSeconds(raw, MaxEmergencyStopTimeoutSeconds, out var value)
                ? settings with { EmergencyStopTimeout = value }
                : Invalid(settings, diagnostics, EmergencyStopTimeoutVariable, raw, SecondsMessage(EmergencyStopTimeoutVariable, MaxEmergencyStopTimeoutSeconds, "5"));
        }

        if (TryGet(environment, AuditLogRetentionVariable, out raw))
        {
            settings = TryParseWhole(raw, 1, MaxAuditLogRetentionDays, out var value)
                ? settings with { AuditLogRetentionDays = value }
                : Invalid(settings, diagnostics, AuditLogRetentionVariable, raw, $"must be a whole number of days from 1 to {MaxAuditLogRetentionDays}, e.g. {AuditLogRetentionVariable}=30");
        }

        if (!settings.EnableStrictValidation)
        {
            diagnostics.Warning(
                strictFromEnvironment ? "env:" + StrictValidationVariable : "settings.enable_strict_validation",
                "turns strict validation off: unknown fields are only warnings, so a misspelt security setting is silently ignored; set it to true unless you must");
        }

        foreach (var name in environment.Keys)
        {
            if (name.StartsWith("MCP_", StringComparison.Ordinal) && Array.IndexOf(Variables, name) < 0
                && FieldSuggester.Closest(name, Variables) is { } suggestion)
            {
                diagnostics.Warning("env:" + name, $"is not a variable the gateway reads; did you mean {suggestion}?");
            }
        }

        return settings;
    }

    private static bool TryGet(IReadOnlyDictionary<string, string?> environment, string name, out string value)
    {
        if (environment.TryGetValue(name, out var text) && !string.IsNullOrWhiteSpace(text))
        {
            value = text;
            return true;
        }

        value = string.Empty;
        return false;
    }

    private static bool TryParseWhole(string text, int min, int max, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TryParseSeconds(string text, double maxSeconds, out TimeSpan value)
    {
        if (double.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            && seconds > 0 && seconds <= maxSeconds)
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        value = default;
        return false;
    }

    private static string SecondsMessage(string variable, double maxSeconds, string example) =>
        string.Create(CultureInfo.InvariantCulture, $"must be a number of seconds greater than 0 and at most {maxSeconds}, e.g. {variable}={example}");

    private static GatewaySettings Invalid(GatewaySettings settings, ConfigurationDiagnostics diagnostics, string variable, string raw, string message)
    {
        var shown = raw.Length > 40 ? raw[..40] + "..." : raw;
        diagnostics.Error("env:" + variable, $"{message} (it is \"{shown}\")");
        return settings;
    }
}
