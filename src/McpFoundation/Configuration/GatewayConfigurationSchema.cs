using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Configuration;

/// <summary>
/// The JSON Schema (draft 2020-12) of the configuration file, built from the same section records and field rules
/// the loader uses, so editors complete and check the file. <c>mcpf config schema</c> prints it, and
/// <c>docs/mcpf.schema.json</c> is a copy of it. It describes strict validation (the default): with
/// <c>enable_strict_validation</c> off the loader accepts unknown fields the schema refuses.
/// </summary>
public static class GatewayConfigurationSchema
{
    /// <summary>The JSON Schema dialect of the schema.</summary>
    public const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Builds the schema of the whole file.</summary>
    /// <returns>A new schema document.</returns>
    public static JsonObject Build()
    {
        var sections = ConfigSections.All;
        var properties = new JsonObject
        {
            [ConfigurationReader.SchemaKey] = new JsonObject
            {
                ["description"] = "The address of this schema, for editors; ignored by the gateway.",
                ["type"] = "string",
            },
        };
        foreach (var section in sections)
        {
            properties[section.Key] = section.Schema();
        }

        properties[ConfigurationReader.ClaudeServersKey] = new JsonObject
        {
            ["description"] = "A Claude Desktop file's servers, read like \"servers\" (use one of the two). Other top-level keys of such a file are ignored.",
            ["$ref"] = "#/properties/servers",
        };

        var gatewayKeys = new JsonArray([ConfigurationReader.SchemaKey, .. sections.Select(section => (JsonNode?)section.Key)]);
        return new JsonObject
        {
            ["$schema"] = Dialect,
            ["title"] = "McpFoundation gateway configuration",
            ["description"] = "The mcpf configuration file: the gateway's own format (\"servers\") or a Claude Desktop file (\"mcpServers\"). See docs/configuration.md.",
            ["type"] = "object",
            ["properties"] = properties,
            ["oneOf"] = new JsonArray(
                new JsonObject
                {
                    ["title"] = "The gateway's format",
                    ["required"] = new JsonArray("servers"),
                    ["propertyNames"] = new JsonObject { ["enum"] = gatewayKeys },
                },
                new JsonObject
                {
                    ["title"] = "A Claude Desktop file",
                    ["required"] = new JsonArray(ConfigurationReader.ClaudeServersKey),
                    ["not"] = new JsonObject { ["required"] = new JsonArray("servers") },
                }),
        };
    }

    /// <summary>Gets the schema as indented JSON text with a final newline (what <c>mcpf config schema</c> prints).</summary>
    /// <returns>The schema's text.</returns>
    public static string ToJsonString() => Build().ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
}
