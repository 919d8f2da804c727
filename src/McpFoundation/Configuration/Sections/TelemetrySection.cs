namespace McpFoundation.Configuration.Sections;

/// <summary>The <c>telemetry</c> object as written in the file; validated by <see cref="TelemetrySectionValidator"/>.</summary>
internal sealed record TelemetrySection
{
    public string? OtlpEndpoint { get; init; }

    public string? OtlpProtocol { get; init; }

    public bool? Prometheus { get; init; }

    public string? LogFormat { get; init; }
}

/// <summary>The <c>events</c> object as written in the file; validated by <see cref="EventsSectionValidator"/>.</summary>
internal sealed record EventsSection
{
    public string? WebhookUrl { get; init; }

    public string? WebhookSecret { get; init; }

    public string? WebhookSecretFile { get; init; }

    public int? QueueCapacity { get; init; }

    public int? MaxAttempts { get; init; }

    public double? Timeout { get; init; }
}
