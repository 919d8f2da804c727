using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Telemetry;

namespace McpFoundation.Configuration.Sections;

/// <summary>The <c>events</c> section: the webhook the gateway posts its events to, signed (docs/events.md).</summary>
internal sealed class EventsSectionValidator : SectionValidator<EventsSection>, IConfigSection
{
    public const string SectionKey = "events";

    public EventsSectionValidator()
        : base(ConfigurationJsonContext.Default.EventsSection)
    {
    }

    public string Key => SectionKey;

    public override string Description => "Where the gateway posts its events (tool_executed, server_health_changed, security_violation, emergency_activated); see docs/events.md.";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"events\": {\"webhook_url\": \"https://hooks.example.com/mcpf\", \"webhook_secret_file\": \"/etc/mcpf/webhook.key\"}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element)
        {
            return EventSettings.Default;
        }

        BoundSection<EventsSection>? bound = Bind(element, Key, context.Reader);
        if (bound is null)
        {
            return EventSettings.Default;
        }

        EventsSection section = bound.Value;
        if (section.WebhookSecret is not null && section.WebhookSecretFile is not null)
        {
            context.Reader.Diagnostics.Error(Key + ".webhook_secret", "set webhook_secret or webhook_secret_file, not both");
        }

        if (section.WebhookUrl is null && (section.WebhookSecret is not null || section.WebhookSecretFile is not null))
        {
            context.Reader.Diagnostics.Error(Key + ".webhook_url", "is needed when a webhook secret is set, e.g. \"webhook_url\": \"https://hooks.example.com/mcpf\"");
        }

        string? secretFile = section.WebhookSecretFile is { } file && context.BaseDirectory is { } directory ? Path.GetFullPath(file, directory) : section.WebhookSecretFile;
        return new EventSettings
        {
            WebhookUrl = section.WebhookUrl is { } url ? new Uri(url) : null,
            WebhookSecret = section.WebhookSecret,
            WebhookSecretFile = secretFile,
            QueueCapacity = section.QueueCapacity ?? EventSettings.DefaultQueueCapacity,
            MaxAttempts = section.MaxAttempts ?? EventSettings.DefaultMaxAttempts,
            Timeout = section.Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromSeconds(10),
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["webhook_url"] = TelemetrySectionValidator.HttpUrl("The URL every event is POSTed to as JSON; no webhook when not set.", "https://hooks.example.com/mcpf"),
        ["webhook_secret"] = new FieldRule(
            "The secret the body is signed with: header X-Mcpf-Signature: sha256=<hex HMAC-SHA256 of the body>. Prefer webhook_secret_file.",
            static (value, field) =>
            {
                if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: >= 16 } secret)
                {
                    return JsonValue.Create(secret);
                }

                field.Reader.Diagnostics.Error(field.Path, "must be a string of at least 16 characters (or use webhook_secret_file)");
                return null;
            },
            static () => new JsonObject { ["minLength"] = 16 }),
        ["webhook_secret_file"] = new FieldRule(
            "A file whose content (trimmed) is the signing secret; a relative path is taken from the configuration file's directory.",
            static (value, field) =>
            {
                if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } path && !path.Contains('\0', StringComparison.Ordinal))
                {
                    return JsonValue.Create(path);
                }

                field.Reader.Diagnostics.Error(field.Path, "must be a file path, e.g. \"webhook_secret_file\": \"/etc/mcpf/webhook.key\"");
                return null;
            },
            static () => new JsonObject { ["minLength"] = 1, ["examples"] = new JsonArray("/etc/mcpf/webhook.key") }),
        ["queue_capacity"] = FieldRule.WholeNumber($"Events that may wait for delivery (default {EventSettings.DefaultQueueCapacity}); when full, new events are dropped and counted in the log, never blocking a call.", 1, 1_000_000, EventSettings.DefaultQueueCapacity),
        ["max_attempts"] = FieldRule.WholeNumber($"Attempts per event, with exponential backoff between them (default {EventSettings.DefaultMaxAttempts}).", 1, 20, EventSettings.DefaultMaxAttempts),
        ["timeout"] = FieldRule.Seconds("Seconds one delivery attempt may take (default 10).", 300, 10),
    };
}
