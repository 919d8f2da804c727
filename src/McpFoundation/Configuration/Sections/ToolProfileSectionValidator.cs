using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Security.Arguments;

namespace McpFoundation.Configuration.Sections;

/// <summary>One tool under <c>security_profile.tools</c>: binds <see cref="ToolProfileSection"/> and builds <see cref="ToolProfile"/>.</summary>
internal sealed class ToolProfileSectionValidator : SectionValidator<ToolProfileSection>
{
    /// <summary>The argument kinds a profile can name, as written.</summary>
    internal static IReadOnlyList<string> Kinds { get; } = ["path", "url", "command", "text"];

    public ToolProfileSectionValidator()
        : base(ConfigurationJsonContext.Default.ToolProfileSection)
    {
    }

    public override string Description =>
        "What the gateway should take this downstream tool for: its operation class and what each argument is (overrides the guess from the tool's definition).";

    protected override string NotAnObjectMessage =>
        "must be an object, e.g. \"read_file\": {\"operation\": \"read\", \"arguments\": {\"target\": \"path\"}}";

    /// <summary>Builds the public model from the bound section.</summary>
    public static ToolProfile ToModel(ToolProfileSection section) => new()
    {
        Operation = section.Operation,
        Arguments = section.Arguments is { } arguments
            ? new ReadOnlyDictionary<string, ArgumentKind>(arguments.ToDictionary(pair => pair.Key, pair => ParseKind(pair.Value), StringComparer.Ordinal))
            : ReadOnlyDictionary<string, ArgumentKind>.Empty,
        AllowShell = section.AllowShell ?? false,
    };

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["operation"] = FieldRule.Choice(
            "The tool's operation class: read, write, list, delete, execute or network (checked against allowed_operations).",
            ToolProfile.Operations,
            "must be \"read\", \"write\", \"list\", \"delete\", \"execute\" or \"network\", e.g. \"operation\": \"read\""),
        ["arguments"] = new FieldRule(
            "What each argument is, by name (or nested path such as edits/path): path, url, command or text.",
            ReadArguments,
            () => new JsonObject
            {
                ["additionalProperties"] = new JsonObject { ["type"] = "string", ["pattern"] = FieldRule.CaseInsensitiveChoicePattern(Kinds) },
            }),
        ["allow_shell"] = FieldRule.Boolean(
            "The tool's command arguments may hold shell metacharacters (; | & $( ` > < newlines) and leading dashes (default false). Only for tools that never pass them to a shell.",
            example: false),
    };

    private static ArgumentKind ParseKind(string text) => text.ToLowerInvariant() switch
    {
        "path" => ArgumentKind.Path,
        "url" => ArgumentKind.Url,
        "command" => ArgumentKind.Command,
        _ => ArgumentKind.Text,
    };

    private static JsonObject? ReadArguments(JsonElement value, FieldContext field)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            field.Reader.Diagnostics.Error(field.Path, "must be an object naming each argument's kind, e.g. \"arguments\": {\"target\": \"path\"}");
            return null;
        }

        var result = new JsonObject();
        var ok = true;
        foreach (var property in field.Reader.Properties(value, field.Path))
        {
            var kind = property.Value.ValueKind == JsonValueKind.String
                ? Kinds.FirstOrDefault(known => string.Equals(known, property.Value.GetString(), StringComparison.OrdinalIgnoreCase))
                : null;
            if (kind is null || string.IsNullOrWhiteSpace(property.Name))
            {
                field.Reader.Diagnostics.Error(ConfigurationReader.Join(field.Path, property.Name), "must be \"path\", \"url\", \"command\" or \"text\", e.g. \"target\": \"path\"");
                ok = false;
                continue;
            }

            result[property.Name] = kind;
        }

        return ok ? result : null;
    }
}
