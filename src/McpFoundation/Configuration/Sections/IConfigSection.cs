using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFoundation.Configuration.Sections;

/// <summary>
/// One top-level key of the configuration file, owned by one feature (settings, servers, and later policy, audit,
/// emergency...). A section reads its value into what the feature keeps (usually through a
/// <see cref="SectionValidator{T}"/>), reports every problem with its JSON path, and describes its value for the
/// file's JSON Schema. Sections are listed once, in <see cref="ConfigSections.All"/>.
/// </summary>
internal interface IConfigSection
{
    /// <summary>Gets the section's top-level key, e.g. <c>settings</c>.</summary>
    string Key { get; }

    /// <summary>Gets the JSON Schema of the section's value.</summary>
    /// <returns>A new schema node (the caller attaches it).</returns>
    JsonNode Schema();

    /// <summary>Reads the section's value.</summary>
    /// <param name="value">The value under <see cref="Key"/>; <see langword="null"/> when the key is absent or null.</param>
    /// <param name="context">The reader (diagnostics), the environment, and the settings already read.</param>
    /// <returns>What the feature keeps (found later with <c>GatewayConfiguration.GetSection</c>); a default when absent.</returns>
    object? Read(JsonElement? value, SectionReadContext context);
}

/// <summary>What a section may use while it is read.</summary>
internal sealed class SectionReadContext
{
    public required ConfigurationReader Reader { get; init; }

    public required IReadOnlyDictionary<string, string?> Environment { get; init; }

    /// <summary>Gets the directory of the configuration file, against which servers resolve relative paths; <see langword="null"/> when the text came from no file.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Gets the gateway-wide settings (after <c>MCP_*</c> overrides); read before every other section.</summary>
    public GatewaySettings Settings { get; set; } = new();

    /// <summary>Gets the servers, once the <c>servers</c> section is read (sections after it in <see cref="ConfigSections.All"/> see them).</summary>
    public IReadOnlyDictionary<string, ServerDefinition> Servers { get; set; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, ServerDefinition>.Empty;

    /// <summary>Gets how tools are named, once the <c>namespacing</c> section is read.</summary>
    public ToolNamespacing Namespacing { get; set; } = ToolNamespacing.Prefix;

    /// <summary>Gets the key the value was found under (the section's key, or an alias such as <c>mcpServers</c>).</summary>
    public string Key { get; set; } = string.Empty;
}
