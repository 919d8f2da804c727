using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The <c>settings</c> section: binds <see cref="SettingsSection"/>, applies the <c>MCP_*</c> overrides and builds
/// <see cref="GatewaySettings"/>. Each setting is declared once, in <see cref="Table"/>: its field rule, its variable
/// and how the variable's text is read.
/// </summary>
internal sealed class SettingsSectionValidator : SectionValidator<SettingsSection>, IConfigSection
{
    internal const string MaxServersVariable = "MCP_MAX_SERVERS";
    internal const string DefaultTimeoutVariable = "MCP_DEFAULT_TIMEOUT";
    internal const string ConnectTimeoutVariable = "MCP_CONNECT_TIMEOUT";
    internal const string HealthCheckIntervalVariable = "MCP_HEALTH_CHECK_INTERVAL";
    internal const string LogLevelVariable = "MCP_LOG_LEVEL";
    internal const string StrictValidationVariable = "MCP_ENABLE_STRICT_VALIDATION";
    internal const string EmergencyStopTimeoutVariable = "MCP_EMERGENCY_STOP_TIMEOUT";
    internal const string AuditLogRetentionVariable = "MCP_AUDIT_LOG_RETENTION";
    internal const string MaxArgumentBytesVariable = "MCP_MAX_ARGUMENT_BYTES";
    internal const string MaxStringLengthVariable = "MCP_MAX_STRING_LENGTH";
    internal const string MaxArgumentDepthVariable = "MCP_MAX_ARGUMENT_DEPTH";
    internal const string DataDirectoryVariable = "MCPF_DATA_DIR";

    internal const int MaxServersLimit = 1000;
    internal const double MaxHealthCheckIntervalSeconds = 86400;
    internal const double MaxEmergencyStopTimeoutSeconds = 300;
    internal const int MaxAuditLogRetentionDays = 3650;

    /// <summary>The largest value of <c>max_argument_bytes</c> and <c>max_string_length</c> (64 MiB), here and in a <c>security_profile</c>.</summary>
    internal const int MaxArgumentBytesLimit = 64 * 1024 * 1024;

    /// <summary>The largest value of <c>max_argument_depth</c>, here and in a <c>security_profile</c>.</summary>
    internal const int MaxArgumentDepthLimit = 256;

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

    public SettingsSectionValidator()
        : base(ConfigurationJsonContext.Default.SettingsSection)
    {
    }

    public string Key => "settings";

    public override string Description =>
        "Gateway-wide settings; each can be overridden by its MCP_* environment variable (variable, then file, then default).";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"settings\": {\"max_servers\": 10}";

    /// <summary>Every setting: the file field, its variable, and how the variable's text is read into the record.</summary>
    private static Setting[] Table { get; } =
    [
        new(
            "max_servers",
            MaxServersVariable,
            FieldRule.WholeNumber($"The largest number of enabled servers (default 10). {MaxServersVariable}.", 1, MaxServersLimit, 10),
            (text, s) => TryParseWhole(text, 1, MaxServersLimit, out var value) ? s with { MaxServers = value } : null,
            $"must be a whole number from 1 to {MaxServersLimit}, e.g. {MaxServersVariable}=10"),
        new(
            "default_timeout",
            DefaultTimeoutVariable,
            FieldRule.Seconds($"Seconds a call may take on a server without \"timeout\" (default 30). {DefaultTimeoutVariable}.", ConfigurationReader.MaxCallTimeoutSeconds, 30),
            (text, s) => TryParseSeconds(text, ConfigurationReader.MaxCallTimeoutSeconds, out var value) ? s with { DefaultTimeout = value } : null,
            SecondsMessage(DefaultTimeoutVariable, ConfigurationReader.MaxCallTimeoutSeconds, "30")),
        new(
            "connect_timeout",
            ConnectTimeoutVariable,
            FieldRule.Seconds($"Seconds a server without \"connect_timeout\" may take to start, initialize and list its catalogue (default 60; an npx first run downloads the package). {ConnectTimeoutVariable}.", ConfigurationReader.MaxCallTimeoutSeconds, 60),
            (text, s) => TryParseSeconds(text, ConfigurationReader.MaxCallTimeoutSeconds, out var value) ? s with { ConnectTimeout = value } : null,
            SecondsMessage(ConnectTimeoutVariable, ConfigurationReader.MaxCallTimeoutSeconds, "60")),
        new(
            "health_check_interval",
            HealthCheckIntervalVariable,
            FieldRule.Seconds($"Seconds between two health checks of a server (default 60). {HealthCheckIntervalVariable}.", MaxHealthCheckIntervalSeconds, 60),
            (text, s) => TryParseSeconds(text, MaxHealthCheckIntervalSeconds, out var value) ? s with { HealthCheckInterval = value } : null,
            SecondsMessage(HealthCheckIntervalVariable, MaxHealthCheckIntervalSeconds, "60")),
        new(
            "log_level",
            LogLevelVariable,
            new FieldRule(
                $"The least severe level the gateway logs (default INFO). {LogLevelVariable}.",
                (value, field) =>
                {
                    if (value.ValueKind == JsonValueKind.String && TryParseLogLevel(value.GetString(), out _))
                    {
                        return JsonValue.Create(value.GetString());
                    }

                    field.Reader.Diagnostics.Error(field.Path, $"must be one of {LogLevelChoices}, e.g. \"log_level\": \"INFO\"");
                    return null;
                },
                () => new JsonObject
                {
                    ["pattern"] = "^\\s*" + FieldRule.CaseInsensitiveChoicePattern(LogLevels.Keys)[1..^1] + "\\s*$",
                    ["examples"] = new JsonArray("INFO"),
                }),
            (text, s) => TryParseLogLevel(text, out _) ? s with { LogLevel = text.Trim() } : null,
            $"must be one of {LogLevelChoices}, e.g. {LogLevelVariable}=INFO"),
        new(
            "enable_strict_validation",
            StrictValidationVariable,
            FieldRule.Boolean($"Unknown fields are errors (true, the default) or only warnings (false). {StrictValidationVariable}.", example: true),
            (text, s) => Booleans.TryGetValue(text.Trim(), out var value) ? s with { EnableStrictValidation = value } : null,
            $"must be true or false (also 1/0, yes/no, on/off), e.g. {StrictValidationVariable}=true"),
        new(
            "emergency_stop_timeout",
            EmergencyStopTimeoutVariable,
            FieldRule.Seconds($"Seconds an emergency stop waits for servers before killing them (default 5). {EmergencyStopTimeoutVariable}.", MaxEmergencyStopTimeoutSeconds, 5),
            (text, s) => TryParseSeconds(text, MaxEmergencyStopTimeoutSeconds, out var value) ? s with { EmergencyStopTimeout = value } : null,
            SecondsMessage(EmergencyStopTimeoutVariable, MaxEmergencyStopTimeoutSeconds, "5")),
        new(
            "audit_log_retention",
            AuditLogRetentionVariable,
            FieldRule.WholeNumber($"Days audit records are kept (default 30). {AuditLogRetentionVariable}.", 1, MaxAuditLogRetentionDays, 30),
            (text, s) => TryParseWhole(text, 1, MaxAuditLogRetentionDays, out var value) ? s with { AuditLogRetention = value } : null,
            $"must be a whole number of days from 1 to {MaxAuditLogRetentionDays}, e.g. {AuditLogRetentionVariable}=30"),
        new(
            "max_argument_bytes",
            MaxArgumentBytesVariable,
            FieldRule.WholeNumber($"The largest size in UTF-8 bytes of one call's arguments (default 1048576, 1 MiB); a larger call is refused. {MaxArgumentBytesVariable}.", 1, MaxArgumentBytesLimit, 1048576),
            (text, s) => TryParseWhole(text, 1, MaxArgumentBytesLimit, out var value) ? s with { MaxArgumentBytes = value } : null,
            $"must be a whole number of bytes from 1 to {MaxArgumentBytesLimit}, e.g. {MaxArgumentBytesVariable}=1048576"),
        new(
            "max_string_length",
            MaxStringLengthVariable,
            FieldRule.WholeNumber($"The largest length in characters of one string in a call's arguments (default 262144, 256 KiB). {MaxStringLengthVariable}.", 1, MaxArgumentBytesLimit, 262144),
            (text, s) => TryParseWhole(text, 1, MaxArgumentBytesLimit, out var value) ? s with { MaxStringLength = value } : null,
            $"must be a whole number of characters from 1 to {MaxArgumentBytesLimit}, e.g. {MaxStringLengthVariable}=262144"),
        new(
            "max_argument_depth",
            MaxArgumentDepthVariable,
            FieldRule.WholeNumber($"The deepest nesting of arrays and objects in a call's arguments (default 32). {MaxArgumentDepthVariable}.", 1, MaxArgumentDepthLimit, 32),
            (text, s) => TryParseWhole(text, 1, MaxArgumentDepthLimit, out var value) ? s with { MaxArgumentDepth = value } : null,
            $"must be a whole number from 1 to {MaxArgumentDepthLimit}, e.g. {MaxArgumentDepthVariable}=32"),
        new(
            "data_dir",
            DataDirectoryVariable,
            new FieldRule(
                $"The directory of the gateway's state: audit trail, emergency state, keys (default $XDG_DATA_HOME/mcpf or ~/.local/share/mcpf; a relative path is taken from the configuration file's directory). {DataDirectoryVariable}.",
                (value, field) =>
                {
                    if (value.ValueKind == JsonValueKind.String && Storage.DataDirectory.IsUsablePath(value.GetString()))
                    {
                        return JsonValue.Create(value.GetString());
                    }

                    field.Reader.Diagnostics.Error(field.Path, "must be a directory path without NUL characters, e.g. \"data_dir\": \"/var/lib/mcpf\"");
                    return null;
                },
                () => new JsonObject { ["type"] = "string", ["minLength"] = 1, ["examples"] = new JsonArray("/var/lib/mcpf") }),
            (text, s) => Storage.DataDirectory.IsUsablePath(text) ? s with { DataDir = text.Trim() } : null,
            $"must be a directory path, e.g. {DataDirectoryVariable}=/var/lib/mcpf"),
    ];

    /// <summary>Gets the variables the gateway reads, in the order they are applied.</summary>
    public static IReadOnlyList<string> Variables { get; } = [.. Table.Select(setting => setting.Variable)];

    /// <summary>Parses a log level name: TRACE DEBUG INFO WARNING/WARN ERROR CRITICAL NONE, or the .NET names, any case.</summary>
    public static bool TryParseLogLevel(string? text, out LogLevel level) =>
        LogLevels.TryGetValue(text?.Trim() ?? string.Empty, out level);

    JsonNode IConfigSection.Schema() => Schema();

    /// <summary>Reads the file's <c>settings</c> (if any), then the variables; returns the <see cref="GatewaySettings"/>.</summary>
    public object? Read(JsonElement? value, SectionReadContext context)
    {
        var section = value is { } element ? Bind(element, Key, context.Reader)?.Value ?? new() : new SettingsSection();
        section = ApplyEnvironment(section, context.Environment, context.Reader.Diagnostics, out var strictFromEnvironment);
        var settings = ToSettings(section);
        if (!settings.EnableStrictValidation)
        {
            context.Reader.Diagnostics.Warning(
                strictFromEnvironment ? "env:" + StrictValidationVariable : "settings.enable_strict_validation",
                "turns strict validation off: unknown fields are only warnings, so a misspelt security setting is silently ignored; set it to true unless you must");
        }

        foreach (var name in context.Environment.Keys)
        {
            if (name.StartsWith("MCP_", StringComparison.Ordinal) && !Variables.Contains(name, StringComparer.Ordinal)
                && FieldSuggester.Closest(name, Variables) is { } suggestion)
            {
                context.Reader.Diagnostics.Warning("env:" + name, $"is not a variable the gateway reads; did you mean {suggestion}?");
            }
        }

        return settings;
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() =>
        Table.ToDictionary(setting => setting.Field, setting => setting.Rule, StringComparer.Ordinal);

    private static GatewaySettings ToSettings(SettingsSection section)
    {
        var defaults = new GatewaySettings();
        return new GatewaySettings
        {
            MaxServers = section.MaxServers ?? defaults.MaxServers,
            DefaultTimeout = Seconds(section.DefaultTimeout) ?? defaults.DefaultTimeout,
            ConnectTimeout = Seconds(section.ConnectTimeout) ?? defaults.ConnectTimeout,
            HealthCheckInterval = Seconds(section.HealthCheckInterval) ?? defaults.HealthCheckInterval,
            LogLevel = TryParseLogLevel(section.LogLevel, out var level) ? level : defaults.LogLevel,
            EnableStrictValidation = section.EnableStrictValidation ?? defaults.EnableStrictValidation,
            EmergencyStopTimeout = Seconds(section.EmergencyStopTimeout) ?? defaults.EmergencyStopTimeout,
            AuditLogRetentionDays = section.AuditLogRetention ?? defaults.AuditLogRetentionDays,
            MaxArgumentBytes = section.MaxArgumentBytes ?? defaults.MaxArgumentBytes,
            MaxStringLength = section.MaxStringLength ?? defaults.MaxStringLength,
            MaxArgumentDepth = section.MaxArgumentDepth ?? defaults.MaxArgumentDepth,
            DataDirectory = section.DataDir,
        };
    }

    private static TimeSpan? Seconds(double? seconds) => seconds is { } value ? TimeSpan.FromSeconds(value) : null;

    private static SettingsSection ApplyEnvironment(SettingsSection section, IReadOnlyDictionary<string, string?> environment, ConfigurationDiagnostics diagnostics, out bool strictFromEnvironment)
    {
        strictFromEnvironment = false;
        foreach (var setting in Table)
        {
            if (!environment.TryGetValue(setting.Variable, out var text) || string.IsNullOrWhiteSpace(text))
            {
                continue; // an empty variable counts as unset.
            }

            if (setting.FromVariable(text, section) is { } applied)
            {
                section = applied;
                strictFromEnvironment |= setting.Variable == StrictValidationVariable;
            }
            else
            {
                var shown = text.Length > 40 ? text[..40] + "..." : text;
                diagnostics.Error("env:" + setting.Variable, $"{setting.VariableMessage} (it is \"{shown}\")");
            }
        }

        return section;
    }

    private static bool TryParseWhole(string text, int min, int max, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TryParseSeconds(string text, double maxSeconds, out double seconds) =>
        double.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds)
        && seconds > 0 && seconds <= maxSeconds;

    private static string SecondsMessage(string variable, double maxSeconds, string example) =>
        string.Create(CultureInfo.InvariantCulture, $"must be a number of seconds greater than 0 and at most {maxSeconds}, e.g. {variable}={example}");

    /// <summary>One setting: its field in <c>settings</c>, its variable, and how the variable's text is applied (null when invalid).</summary>
    private sealed record Setting(string Field, string Variable, FieldRule Rule, Func<string, SettingsSection, SettingsSection?> FromVariable, string VariableMessage);
}
