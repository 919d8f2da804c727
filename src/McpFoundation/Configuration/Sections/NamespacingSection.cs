using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFoundation.Configuration.Sections;

/// <summary>The top-level <c>namespacing</c> value: how downstream tool names are exposed. A section can be a single value.</summary>
internal sealed class NamespacingSection : IConfigSection
{
    public string Key => "namespacing";

    public JsonNode Schema() => new JsonObject
    {
        ["description"] = "How tools are exposed: \"prefix\" (default) as <server>__<tool>, or \"none\" (their own names).",
        ["type"] = new JsonArray("string", "null"),
        ["pattern"] = FieldRule.CaseInsensitiveChoicePattern(["prefix", "none"]),
        ["default"] = "prefix",
    };

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element)
        {
            return ToolNamespacing.Prefix;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString();
            if (string.Equals(text, "prefix", StringComparison.OrdinalIgnoreCase))
            {
                return ToolNamespacing.Prefix;
            }

            if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
            {
                return ToolNamespacing.None;
            }
        }

        context.Reader.Diagnostics.Error(Key, "must be \"prefix\" (tools exposed as <server>__<tool>) or \"none\", e.g. \"namespacing\": \"prefix\"");
        return ToolNamespacing.Prefix;
    }
}
