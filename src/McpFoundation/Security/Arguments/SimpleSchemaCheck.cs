using System.Text.Json;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// A fast, allocation-free way to confirm that arguments satisfy a tool's <c>inputSchema</c> when that schema uses only
/// the keywords most tool schemas use (<c>type</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties</c>
/// as a boolean, <c>items</c> as one schema, <c>enum</c> of strings, and annotations such as <c>description</c>).
/// It can only ever answer "certainly valid": anything it is not sure of (a violation, a number whose integer-ness
/// depends on its spelling, a keyword outside that set) leaves the decision to JsonSchema.Net, which also words every
/// refusal. A schema with any other keyword is not compiled here at all (<see cref="TryCompile"/> returns
/// <see langword="null"/>). <c>SimpleSchemaCheckTests</c> compares its answers with JsonSchema.Net's on generated
/// schemas and instances.
/// </summary>
internal sealed class SimpleSchemaCheck
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly",
    };

    private static readonly HashSet<string> KnownDrafts = new(StringComparer.Ordinal)
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
    };

    private readonly TypeSet _types;
    private readonly Dictionary<string, SimpleSchemaCheck>? _properties;
    private readonly string[] _required;
    private readonly bool _additionalAllowed;
    private readonly SimpleSchemaCheck? _items;
    private readonly HashSet<string>? _enum;

    private SimpleSchemaCheck(TypeSet types, Dictionary<string, SimpleSchemaCheck>? properties, string[] required, bool additionalAllowed, SimpleSchemaCheck? items, HashSet<string>? enumValues)
    {
        _types = types;
        _properties = properties;
        _required = required;
        _additionalAllowed = additionalAllowed;
        _items = items;
        _enum = enumValues;
    }

    [Flags]
    private enum TypeSet
    {
        None = 0,
        Object = 1,
        Array = 2,
        String = 4,
        Number = 8,
        Integer = 16,
        Boolean = 32,
        Null = 64,
        Any = Object | Array | String | Number | Integer | Boolean | Null,
    }

    /// <summary>Compiles <paramref name="schema"/> if every keyword in it is one this check understands.</summary>
    public static SimpleSchemaCheck? TryCompile(JsonElement schema) => Compile(schema, isRoot: true, depth: 0);

    /// <summary>
    /// Returns <see langword="true"/> only when the arguments certainly satisfy the schema; <see langword="false"/>
    /// means "not sure", and the caller asks JsonSchema.Net.
    /// </summary>
    public bool IsCertainlyValid(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        if ((_types & TypeSet.Object) == 0 || _enum is not null)
        {
            return false;
        }

        var count = arguments?.Count ?? 0;
        foreach (var name in _required)
        {
            if (arguments is null || !arguments.ContainsKey(name))
            {
                return false;
            }
        }

        if (count == 0)
        {
            return true;
        }

        foreach (var (name, value) in arguments!)
        {
            if (!PropertyIsValid(name, value))
            {
                return false;
            }
        }

        return true;
    }

    private static SimpleSchemaCheck? Compile(JsonElement schema, bool isRoot, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 32)
        {
            return null;
        }

        var types = TypeSet.Any;
        Dictionary<string, SimpleSchemaCheck>? properties = null;
        string[] required = [];
        var additionalAllowed = true;
        SimpleSchemaCheck? items = null;
        HashSet<string>? enumValues = null;
        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "$schema" when isRoot && keyword.Value.ValueKind == JsonValueKind.String && KnownDrafts.Contains(keyword.Value.GetString()!):
                    break;
                case "type":
                    types = ParseTypes(keyword.Value);
                    if (types == TypeSet.None)
                    {
                        return null;
                    }

                    break;
                case "properties" when keyword.Value.ValueKind == JsonValueKind.Object:
                    properties = new Dictionary<string, SimpleSchemaCheck>(StringComparer.Ordinal);
                    foreach (var property in keyword.Value.EnumerateObject())
                    {
                        if (Compile(property.Value, isRoot: false, depth + 1) is not { } compiled)
                        {
                            return null;
                        }

                        properties[property.Name] = compiled;
                    }

                    break;
                case "required" when keyword.Value.ValueKind == JsonValueKind.Array:
                    var names = new List<string>();
                    foreach (var name in keyword.Value.EnumerateArray())
                    {
                        if (name.ValueKind != JsonValueKind.String)
                        {
                            return null;
                        }

                        names.Add(name.GetString()!);
                    }

                    required = [.. names];
                    break;
                case "additionalProperties" when keyword.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    additionalAllowed = keyword.Value.ValueKind == JsonValueKind.True;
                    break;
                case "items" when keyword.Value.ValueKind == JsonValueKind.Object:
                    items = Compile(keyword.Value, isRoot: false, depth + 1);
                    if (items is null)
                    {
                        return null;
                    }

                    break;
                case "enum" when keyword.Value.ValueKind == JsonValueKind.Array:
                    enumValues = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var value in keyword.Value.EnumerateArray())
                    {
                        if (value.ValueKind != JsonValueKind.String)
                        {
                            return null;
                        }

                        enumValues.Add(value.GetString()!);
                    }

                    break;
                default:
                    if (!Annotations.Contains(keyword.Name))
                    {
                        return null;
                    }

                    break;
            }
        }

        return new SimpleSchemaCheck(types, properties, required, additionalAllowed, items, enumValues);
    }

    private static TypeSet ParseTypes(JsonElement type)
    {
        if (type.ValueKind == JsonValueKind.String)
        {
            return ParseType(type.GetString()!);
        }

        if (type.ValueKind != JsonValueKind.Array)
        {
            return TypeSet.None;
        }

        var types = TypeSet.None;
        foreach (var item in type.EnumerateArray())
        {
            var one = item.ValueKind == JsonValueKind.String ? ParseType(item.GetString()!) : TypeSet.None;
            if (one == TypeSet.None)
            {
                return TypeSet.None;
            }

            types |= one;
        }

        return types;
    }

    private static TypeSet ParseType(string name) => name switch
    {
        "object" => TypeSet.Object,
        "array" => TypeSet.Array,
        "string" => TypeSet.String,
        "number" => TypeSet.Number | TypeSet.Integer,
        "integer" => TypeSet.Integer,
        "boolean" => TypeSet.Boolean,
        "null" => TypeSet.Null,
        _ => TypeSet.None,
    };

    private bool PropertyIsValid(string name, JsonElement value)
    {
        if (_properties is not null && _properties.TryGetValue(name, out var property))
        {
            return property.IsValid(value);
        }

        return _additionalAllowed;
    }

    private bool IsValid(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                if ((_types & TypeSet.Object) == 0 || _enum is not null)
                {
                    return false;
                }

                foreach (var name in _required)
                {
                    if (!value.TryGetProperty(name, out _))
                    {
                        return false;
                    }
                }

                // Every occurrence of a repeated name is checked, so whichever one the library looks at is valid too.
                foreach (var property in value.EnumerateObject())
                {
                    if (!PropertyIsValid(property.Name, property.Value))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                if ((_types & TypeSet.Array) == 0 || _enum is not null)
                {
                    return false;
                }

                if (_items is not null)
                {
                    foreach (var item in value.EnumerateArray())
                    {
                        if (!_items.IsValid(item))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case JsonValueKind.String:
                return (_types & TypeSet.String) != 0 && (_enum is null || _enum.Contains(value.GetString()!));
            case JsonValueKind.Number:
                if (_enum is not null)
                {
                    return false;
                }

                // "integer" is certain only for a literal that parses as a whole Int64; 1.0, 1e2 or a huge one is left to the library.
                return (_types & TypeSet.Number) != 0 || ((_types & TypeSet.Integer) != 0 && value.TryGetInt64(out _));
            case JsonValueKind.True or JsonValueKind.False:
                return (_types & TypeSet.Boolean) != 0 && _enum is null;
            case JsonValueKind.Null:
                return (_types & TypeSet.Null) != 0 && _enum is null;
            default:
                return false;
        }
    }
}
