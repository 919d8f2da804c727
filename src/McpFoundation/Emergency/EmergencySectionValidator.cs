using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Emergency;

/// <summary>The <c>emergency</c> section: what an emergency stop does besides refusing and cancelling, and its admin API (docs/emergency.md).</summary>
internal sealed class EmergencySectionValidator : SectionValidator<EmergencySection>, IConfigSection
{
    /// <summary>The shortest admin key accepted: a key an attacker could guess is no key.</summary>
    internal const int MinAdminKeyLength = 16;

    private static readonly AdminValidator Admin = new();

    public EmergencySectionValidator()
        : base(ConfigurationJsonContext.Default.EmergencySection)
    {
    }

    public string Key => EmergencySettings.SectionKey;

    public override string Description =>
        "The emergency stop: refuse every call and cancel those in flight, from any of its channels (see docs/emergency.md).";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"emergency\": {\"kill_servers\": true}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element || Bind(element, Key, context.Reader)?.Value is not { } section)
        {
            return EmergencySettings.Default;
        }

        return new EmergencySettings
        {
            KillServers = section.KillServers ?? false,
            StopFile = section.StopFile,
            AdminKey = section.Admin?.Key,
            AdminAllowRemote = section.Admin?.AllowRemote ?? false,
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["kill_servers"] = FieldRule.Boolean(
            "true: a stop also kills every stdio server with its whole process group (SIGKILL); they are started again on resume (default false: they are told to cancel and keep running).",
            example: true),
        ["stop_file"] = new FieldRule(
            $"The sentinel file whose appearance stops the gateway within a second; its content, if any, is the reason (default <data_dir>/{EmergencySettings.DefaultStopFileName}; a relative path is taken from the configuration file's directory).",
            static (value, field) =>
            {
                if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } path && !path.Contains('\0', StringComparison.Ordinal))
                {
                    return JsonValue.Create(path);
                }

                field.Reader.Diagnostics.Error(field.Path, "must be a file path, e.g. \"stop_file\": \"/run/mcpf/EMERGENCY_STOP\"");
                return null;
            },
            static () => new JsonObject { ["type"] = "string", ["minLength"] = 1, ["examples"] = new JsonArray("/run/mcpf/EMERGENCY_STOP") }),
        ["admin"] = FieldRule.Section("The admin HTTP API (POST /admin/emergency/stop and /resume, GET /admin/emergency): its key and reach.", Admin),
    };

    /// <summary>The <c>emergency.admin</c> object.</summary>
    private sealed class AdminValidator : SectionValidator<EmergencyAdminSection>
    {
        public AdminValidator()
            : base(ConfigurationJsonContext.Default.EmergencyAdminSection)
        {
        }

        public override string Description => $"The admin HTTP API. Without a key (here or {EmergencySettings.AdminKeyVariable}) it is off.";

        protected override string NotAnObjectMessage => "must be an object, e.g. \"admin\": {\"key\": \"a-long-random-secret\"}";

        protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
        {
            ["key"] = new FieldRule(
                $"The key callers send as \"Authorization: Bearer <key>\" (at least {MinAdminKeyLength} characters; {EmergencySettings.AdminKeyVariable} sets it when this is absent). Prefer the variable: a key in a file is read by whoever reads the file.",
                static (value, field) =>
                {
                    if (value.ValueKind == JsonValueKind.String && value.GetString() is { } key && key.Trim().Length >= MinAdminKeyLength)
                    {
                        return JsonValue.Create(key.Trim());
                    }

                    // The message never repeats the value: it is a secret.
                    field.Reader.Diagnostics.Error(field.Path, $"must be a string of at least {MinAdminKeyLength} characters, e.g. one made with `openssl rand -hex 32`");
                    return null;
                },
                static () => new JsonObject { ["type"] = "string", ["minLength"] = MinAdminKeyLength }),
            ["allow_remote"] = FieldRule.Boolean(
                "true: the admin API also answers callers that are not on the loopback interface (default false: loopback only).",
                example: false),
        };
    }
}
