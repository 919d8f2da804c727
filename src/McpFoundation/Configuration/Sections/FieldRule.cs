using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFoundation.Configuration.Sections;

/// <summary>Reads one field's JSON value: reports what is wrong (with the field's path) and returns the value to bind, or null when it is not valid.</summary>
/// <param name="value">The field's value (never JSON null: null means "not set" and is skipped before).</param>
/// <param name="field">The field's name, path and the reader that collects the diagnostics.</param>
internal delegate JsonNode? FieldReader(JsonElement value, FieldContext field);

/// <summary>Where a field is: its JSON name, its full JSON path, and the reader that collects diagnostics.</summary>
internal readonly record struct FieldContext(string Name, string Path, ConfigurationReader Reader);

/// <summary>
/// The rule of one field of a section: how its value is checked (every problem reported with its path, in words that
/// say what to write) and what the JSON Schema says about it. The field's name and CLR type come from the section's
/// record; the rule adds the ranges, choices and descriptions the record cannot express.
/// </summary>
internal sealed class FieldRule
{
    private readonly FieldReader _read;
    private readonly Func<JsonObject>? _schema;

    public FieldRule(string description, FieldReader read, Func<JsonObject>? schema = null)
    {
        Description = description;
        _read = read;
        _schema = schema;
    }

    /// <summary>Gets what the field means, for the schema (editors show it).</summary>
    public string Description { get; }

    /// <summary>Checks the value; returns the (possibly normalized) value to bind, or null when it is not valid.</summary>
    public JsonNode? Read(JsonElement value, FieldContext field) => _read(value, field);

    /// <summary>Gets the schema keywords this rule adds over the type-derived schema (ranges, enums...); null for none.</summary>
    public JsonObject? SchemaOverride() => _schema?.Invoke();

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static FieldRule WholeNumber(string description, int min, int max, int example) => new(
        description,
        (value, field) => field.Reader.ReadWholeNumber(value, field.Path, field.Name, min, max, example) is { } number ? JsonValue.Create(number) : null,
        () => new JsonObject { ["minimum"] = min, ["maximum"] = max, ["examples"] = new JsonArray(example) });

    /// <summary>A number of seconds greater than 0 and at most <paramref name="maxSeconds"/>, decimals allowed.</summary>
    public static FieldRule Seconds(string description, double maxSeconds, int example) => new(
        description,
        (value, field) => field.Reader.ReadSeconds(value, field.Path, field.Name, maxSeconds, example) is { } seconds ? JsonValue.Create(seconds.TotalSeconds) : null,
        () => new JsonObject { ["exclusiveMinimum"] = 0, ["maximum"] = maxSeconds, ["examples"] = new JsonArray(example) });

    /// <summary><see langword="true"/> or <see langword="false"/>, without quotes.</summary>
    public static FieldRule Boolean(string description, bool example) => new(
        description,
        (value, field) => field.Reader.ReadBoolean(value, field.Path, field.Name, example) is { } flag ? JsonValue.Create(flag) : null,
        () => new JsonObject { ["examples"] = new JsonArray(example) });

    /// <summary>One of <paramref name="choices"/>, any letter case; bound in the case written in <paramref name="choices"/>.</summary>
    public static FieldRule Choice(string description, IReadOnlyList<string> choices, string message) => new(
        description,
        (value, field) =>
        {
            var known = value.ValueKind == JsonValueKind.String
                ? choices.FirstOrDefault(choice => string.Equals(choice, value.GetString(), StringComparison.OrdinalIgnoreCase))
                : null;
            if (known is null)
            {
                field.Reader.Diagnostics.Error(field.Path, message);
                return null;
            }

            return JsonValue.Create(known);
        },
        () => new JsonObject { ["pattern"] = CaseInsensitiveChoicePattern(choices), ["examples"] = new JsonArray(choices[0]) });

    /// <summary>A nested object bound and validated by its own section validator.</summary>
    public static FieldRule Section<T>(string description, SectionValidator<T> section)
        where T : class => new(
        description,
        (value, field) => section.Bind(value, field.Path, field.Reader)?.Json,
        section.Schema);

    /// <summary>Builds a regular expression that accepts each choice in any letter case (JSON Schema has no case-insensitive enum).</summary>
    public static string CaseInsensitiveChoicePattern(IEnumerable<string> choices)
    {
        var alternatives = choices.Select(choice => string.Concat(choice.Select(c =>
            char.IsAsciiLetter(c) ? $"[{char.ToUpperInvariant(c)}{char.ToLowerInvariant(c)}]" : System.Text.RegularExpressions.Regex.Escape(c.ToString()))));
        return "^(" + string.Join("|", alternatives) + ")$";
    }
}
