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
}
