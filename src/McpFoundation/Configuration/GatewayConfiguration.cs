using System.Collections.ObjectModel;

namespace McpFoundation.Configuration;

/// <summary>A whole, validated gateway configuration: the servers to front and the gateway-wide settings.</summary>
public sealed record GatewayConfiguration
{
    /// <summary>Gets a configuration with no servers and default settings.</summary>
    public static GatewayConfiguration Empty { get; } = new();

    /// <summary>Gets the servers by name, in the order of the file. Names compare ordinally (case-sensitive).</summary>
    public IReadOnlyDictionary<string, ServerDefinition> Servers { get; init; } = ReadOnlyDictionary<string, ServerDefinition>.Empty;

    /// <summary>Gets how downstream tool names are exposed (config <c>namespacing</c>, default <see cref="ToolNamespacing.Prefix"/>).</summary>
    public ToolNamespacing Namespacing { get; init; } = ToolNamespacing.Prefix;

    /// <summary>Gets the gateway-wide settings, after environment overrides.</summary>
    public GatewaySettings Settings { get; init; } = new();

    /// <summary>Gets the full path of the file the configuration was loaded from; <see langword="null"/> when parsed from a string.</summary>
    public string? SourcePath { get; init; }

    /// <summary>
    /// Gets what each section of the file was read into, by top-level key (<c>settings</c>, <c>servers</c>, and the
    /// sections later features add). Empty for a configuration built in code: features fall back to their defaults.
    /// </summary>
    internal IReadOnlyDictionary<string, object?> Sections { get; init; } = ReadOnlyDictionary<string, object?>.Empty;

    /// <summary>Gets the <c>telemetry</c> section (exporters, log format); the defaults when absent.</summary>
    public McpFoundation.Telemetry.TelemetrySettings Telemetry => GetSection<McpFoundation.Telemetry.TelemetrySettings>(McpFoundation.Configuration.Sections.TelemetrySectionValidator.SectionKey) ?? McpFoundation.Telemetry.TelemetrySettings.Default;

    /// <summary>Gets the <c>events</c> section (the webhook); the defaults when absent.</summary>
    public McpFoundation.Telemetry.EventSettings Events => GetSection<McpFoundation.Telemetry.EventSettings>(McpFoundation.Configuration.Sections.EventsSectionValidator.SectionKey) ?? McpFoundation.Telemetry.EventSettings.Default;

    /// <summary>Gets what a section was read into, or <see langword="default"/> when the configuration has none (built in code).</summary>
    /// <typeparam name="T">What the section's <see cref="Sections.IConfigSection.Read"/> returns.</typeparam>
    /// <param name="key">The section's top-level key.</param>
    /// <returns>The section's value.</returns>
    internal T? GetSection<T>(string key) => Sections.TryGetValue(key, out var value) && value is T typed ? typed : default;
}
