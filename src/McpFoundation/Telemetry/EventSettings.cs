namespace McpFoundation.Telemetry;

/// <summary>The <c>events</c> section, validated: the optional webhook the gateway's events are posted to (docs/events.md).</summary>
public sealed record EventSettings
{
    /// <summary>The default number of events the webhook queue holds before it drops new ones.</summary>
    public const int DefaultQueueCapacity = 1024;

    /// <summary>The default number of attempts per event.</summary>
    public const int DefaultMaxAttempts = 4;

    /// <summary>Gets the settings when the section is absent: no webhook.</summary>
    public static EventSettings Default { get; } = new();

    /// <summary>Gets the URL events are posted to; none when null.</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>Gets the secret bodies are signed with (HMAC-SHA256); unsigned when null. Never logged.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>Gets the file the secret is read from at start, instead of <see cref="WebhookSecret"/>.</summary>
    public string? WebhookSecretFile { get; init; }

    /// <summary>Gets how many events may wait for delivery; more are dropped (and counted in the log).</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    /// <summary>Gets how many times one event is tried before it is dropped.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Gets how long one delivery attempt may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc/>
    public override string ToString() => $"EventSettings {{ WebhookUrl = {WebhookUrl}, Secret = {(WebhookSecret is null && WebhookSecretFile is null ? "none" : "set")} }}";
}
