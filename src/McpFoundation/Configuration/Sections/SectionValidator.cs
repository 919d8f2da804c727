using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace McpFoundation.Configuration.Sections;

/// <summary>A section object after binding: the record, the JSON it was bound from, and the fields the file set (in file order, valid or not).</summary>
/// <typeparam name="T">The section's record.</typeparam>
internal sealed record BoundSection<T>(T Value, JsonObject Json, IReadOnlyList<string> Present)
    where T : class
{
    public bool Has(string field) => Present.Contains(field, StringComparer.Ordinal);
}

/// <summary>
/// Binds one JSON object of the configuration to its immutable record <typeparamref name="T"/> and validates it.
/// The record (through its source-generated <see cref="JsonTypeInfo{T}"/>) says which fields exist and their types;
/// the validator gives each field a <see cref="FieldRule"/> (checks, messages, schema keywords) and may check fields
/// against each other once bound. Every problem is reported with its JSON path; unknown fields get the "did you mean"
/// hint; a field set to null counts as not set; a key repeated in one object is an error.
/// </summary>
/// <typeparam name="T">The section's record, registered in <see cref="ConfigurationJsonContext"/>.</typeparam>
internal abstract class SectionValidator<T>
    where T : class
{
    private readonly Lazy<IReadOnlyDictionary<string, FieldRule>> _fields;
    private readonly Lazy<string[]> _knownFields;

    protected SectionValidator(JsonTypeInfo<T> typeInfo)
    {
        TypeInfo = typeInfo;
        _knownFields = new(() => [.. typeInfo.Properties.Select(property => property.Name)]);
        _fields = new(() => CheckFields(CreateFields()));
    }

    /// <summary>Gets the record's source-generated metadata: its fields (JSON names) and how to bind them.</summary>
    public JsonTypeInfo<T> TypeInfo { get; }

    /// <summary>Gets the JSON names of the record's fields, in declaration order (the known fields for "did you mean").</summary>
    public IReadOnlyList<string> KnownFields => _knownFields.Value;

    /// <summary>Gets the rule of each field, by JSON name; one for every field of the record.</summary>
    public IReadOnlyDictionary<string, FieldRule> Fields => _fields.Value;

    /// <summary>Gets what the section is, for the schema.</summary>
    public abstract string Description { get; }

    /// <summary>Gets the message when the section's value is not an object, with an example.</summary>
    protected abstract string NotAnObjectMessage { get; }

    /// <summary>Binds and validates an object at <paramref name="path"/>; null when it is not an object (reported).</summary>
    public BoundSection<T>? Bind(JsonElement element, string path, ConfigurationReader reader)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Diagnostics.Error(path, NotAnObjectMessage);
            return null;
        }

        var json = new JsonObject();
        var present = new List<string>();
        foreach (var property in reader.Properties(element, path))
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue; // null means "not set".
            }

            var fieldPath = ConfigurationReader.Join(path, property.Name);
            if (!Fields.TryGetValue(property.Name, out var rule))
            {
                reader.Diagnostics.UnknownField(fieldPath, property.Name, KnownFields);
                continue;
            }

            present.Add(property.Name);
            if (rule.Read(property.Value, new FieldContext(property.Name, fieldPath, reader)) is { } node)
            {
                json[property.Name] = node;
            }
        }

        T? value;
        try
        {
            value = json.Deserialize(TypeInfo);
        }
        catch (JsonException)
        {
            // A rule let through a value its record cannot hold: a bug here, not in the file. Say so without the value.
            reader.Diagnostics.Error(path, "could not be read (a gateway bug: a checked value did not fit its field); report it with this path");
            return null;
        }

        return value is null ? null : new BoundSection<T>(value, json, present);
    }

    /// <summary>Builds the section's JSON Schema: the record's shape exported by System.Text.Json, with each rule's description and keywords.</summary>
    public JsonObject Schema()
    {
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(TypeInfo) as JsonObject ?? [];
        var result = new JsonObject { ["description"] = Description };
        foreach (var (key, node) in schema.ToArray())
        {
            schema.Remove(key);
            result[key] = node;
        }

        var properties = result["properties"] as JsonObject ?? [];
        foreach (var (name, rule) in Fields)
        {
            var exported = properties[name] as JsonObject ?? [];
            properties[name] = Merge(exported, rule);
        }

        result["properties"] = properties;
        result["additionalProperties"] = false;
        return result;
    }

    /// <summary>Creates the rule of every field of the record, by JSON name.</summary>
    protected abstract IReadOnlyDictionary<string, FieldRule> CreateFields();

    private static JsonObject Merge(JsonObject exported, FieldRule rule)
    {
        var acceptsNull = exported["type"] is JsonArray types && types.Any(type => (string?)type == "null");
        var merged = new JsonObject { ["description"] = rule.Description };
        foreach (var (key, node) in exported.ToArray())
        {
            exported.Remove(key);
            merged[key] = node;
        }

        if (rule.SchemaOverride() is { } keywords)
        {
            foreach (var (key, node) in keywords.ToArray())
            {
                keywords.Remove(key);
                merged[key] = node;
            }
        }

        // null means "not set" everywhere: keep accepting it when a rule replaced the type.
        if (acceptsNull)
        {
            switch (merged["type"])
            {
                case JsonValue single when (string?)single != "null":
                    merged["type"] = new JsonArray((string?)single, "null");
                    break;
                case JsonArray many when !many.Any(type => (string?)type == "null"):
                    many.Add("null");
                    break;
            }
        }

        return merged;
    }

    private OrderedDictionary<string, FieldRule> CheckFields(IReadOnlyDictionary<string, FieldRule> fields)
    {
        var missing = KnownFields.Where(name => !fields.ContainsKey(name)).ToArray();
        var extra = fields.Keys.Where(name => !KnownFields.Contains(name, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            throw new InvalidOperationException(
                $"{GetType().Name}: every field of {typeof(T).Name} needs exactly one rule (missing: {string.Join(", ", missing)}; not in the record: {string.Join(", ", extra)}).");
        }

        // In the record's order, so error lists and the schema follow the declaration.
        var ordered = new OrderedDictionary<string, FieldRule>(StringComparer.Ordinal);
        foreach (var name in KnownFields)
        {
            ordered[name] = fields[name];
        }

        return ordered;
    }
}
