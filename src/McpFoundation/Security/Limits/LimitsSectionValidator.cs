using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Security.Limits;

/// <summary>The top-level <c>limits</c> section: per-user and per-tool rate and concurrency limits, and the queue for a concurrency slot (docs/limits.md).</summary>
internal sealed class LimitsSectionValidator : SectionValidator<LimitsSection>, IConfigSection
{
    /// <summary>The largest <c>limits.queue.size</c>.</summary>
    public const int MaxQueueSize = 10_000;

    /// <summary>The largest <c>limits.queue.timeout</c>, in seconds.</summary>
    public const double MaxQueueTimeoutSeconds = 3600;

    private readonly LimitRuleSectionValidator _rule = new();
    private readonly LimitQueueSectionValidator _queue = new();

    public LimitsSectionValidator()
        : base(ConfigurationJsonContext.Default.LimitsSection)
    {
    }

    public string Key => "limits";

    public override string Description =>
        "Rate and concurrency limits per user and per tool, and how long a call may queue for a concurrency slot (docs/limits.md). A server's own limits are its security_profile.rate_limit and max_concurrent_operations.";

    protected override string NotAnObjectMessage =>
        "must be an object, e.g. \"limits\": {\"per_user\": {\"calls_per_minute\": 120, \"max_concurrent\": 4}}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element || Bind(element, Key, context.Reader) is not { } bound)
        {
            return LimitSettings.Default;
        }

        LimitsSection section = bound.Value;
        return new LimitSettings
        {
            PerUser = section.PerUser is { } perUser ? ToRule(perUser) : null,
            Tools = section.Tools is { } tools
                ? new ReadOnlyDictionary<string, LimitRule>(tools.ToDictionary(pair => pair.Key, pair => ToRule(pair.Value), StringComparer.Ordinal))
                : ReadOnlyDictionary<string, LimitRule>.Empty,
            QueueSize = section.Queue?.Size ?? LimitSettings.DefaultQueueSize,
            QueueTimeout = section.Queue?.Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromSeconds(LimitSettings.DefaultQueueTimeoutSeconds),
        };
    }

    private static LimitRule ToRule(LimitRuleSection section) => new(section.CallsPerMinute, section.MaxConcurrent);

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["per_user"] = new FieldRule(
            "The limit of every user on its own (anonymous callers share one): {\"calls_per_minute\": N, \"max_concurrent\": N}.",
            (value, field) => _rule.Bind(value, field.Path, field.Reader)?.Json,
            () => _rule.Schema()),
        ["tools"] = new FieldRule(
            "Limits of single tools, by exposed tool name (as tools/list shows it, e.g. fs__read_file), for all callers together: {\"calls_per_minute\": N, \"max_concurrent\": N}.",
            ReadTools,
            () => new JsonObject { ["additionalProperties"] = _rule.Schema() }),
        ["queue"] = new FieldRule(
            "How many calls may wait for a concurrency slot of one limit, and for how long: {\"size\": 0, \"timeout\": 10}.",
            (value, field) => _queue.Bind(value, field.Path, field.Reader)?.Json,
            () => _queue.Schema()),
    };

    private JsonObject? ReadTools(JsonElement value, FieldContext field)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            field.Reader.Diagnostics.Error(field.Path, "must be an object keyed by exposed tool name, e.g. \"tools\": {\"fs__write_file\": {\"calls_per_minute\": 10}}");
            return null;
        }

        int before = field.Reader.Diagnostics.ErrorCount;
        var result = new JsonObject();
        foreach (var property in field.Reader.Properties(value, field.Path))
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (_rule.Bind(property.Value, ConfigurationReader.Join(field.Path, property.Name), field.Reader) is { } bound)
            {
                result[property.Name] = bound.Json;
            }
        }

        return field.Reader.Diagnostics.ErrorCount == before ? result : null;
    }
}

/// <summary>One limit: <c>calls_per_minute</c> and <c>max_concurrent</c>.</summary>
internal sealed class LimitRuleSectionValidator : SectionValidator<LimitRuleSection>
{
    public LimitRuleSectionValidator()
        : base(ConfigurationJsonContext.Default.LimitRuleSection)
    {
    }

    public override string Description => "A rate limit and a concurrency limit; a field not set is not limited.";

    protected override string NotAnObjectMessage => "must be an object, e.g. {\"calls_per_minute\": 60, \"max_concurrent\": 2}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["calls_per_minute"] = FieldRule.WholeNumber(
            "Calls per minute: up to this many at once, then refilled evenly over the minute.", 1, ConfigurationReader.MaxRateLimit, 60),
        ["max_concurrent"] = FieldRule.WholeNumber(
            "Calls that may run at once; more wait in the queue (limits.queue) or are refused.", 1, ConfigurationReader.MaxConcurrentOperationsLimit, 4),
    };
}

/// <summary>The <c>limits.queue</c> object.</summary>
internal sealed class LimitQueueSectionValidator : SectionValidator<LimitQueueSection>
{
    public LimitQueueSectionValidator()
        : base(ConfigurationJsonContext.Default.LimitQueueSection)
    {
    }

    public override string Description => "Calls that find every concurrency slot of a limit taken wait here, oldest first.";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"queue\": {\"size\": 10, \"timeout\": 5}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["size"] = FieldRule.WholeNumber(
            $"How many calls may wait for a slot of one concurrency limit (default {LimitSettings.DefaultQueueSize}: refuse at once).", 0, LimitsSectionValidator.MaxQueueSize, 10),
        ["timeout"] = FieldRule.Seconds(
            $"Seconds a call may wait for a slot (default {LimitSettings.DefaultQueueTimeoutSeconds}); the server's call timeout and the caller's cancellation end the wait too.",
            LimitsSectionValidator.MaxQueueTimeoutSeconds,
            LimitSettings.DefaultQueueTimeoutSeconds),
    };
}
