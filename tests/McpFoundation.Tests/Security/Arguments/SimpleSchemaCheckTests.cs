using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using McpFoundation.Security.Arguments;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tests.Security.Arguments;

/// <summary>
/// <see cref="SimpleSchemaCheck"/> may only ever say "certainly valid" when JsonSchema.Net says valid. These tests
/// compare the two on generated schemas and instances (seeded, so a failure can be replayed), and check that the fast
/// check does confirm plain valid calls (a check that never answers would pass the comparison and help nobody).
/// </summary>
[Trait("Category", "Unit")]
public sealed class SimpleSchemaCheckTests
{
    private static readonly EvaluationOptions Flag = new() { OutputFormat = OutputFormat.Flag };

    [Fact]
    public void A_certainly_valid_answer_is_never_contradicted_by_JsonSchema_Net()
    {
        const int Seed = 20261201;
        var random = new Random(Seed);
        int compared = 0, confirmed = 0;
        for (int round = 0; round < 3000; round++)
        {
            var schema = RandomSchema(random, 0, isRoot: true);
            var schemaElement = JsonDocument.Parse(schema.ToJsonString()).RootElement.Clone();
            if (SimpleSchemaCheck.TryCompile(schemaElement) is not { } check)
            {
                continue;
            }

            var built = JsonSchema.Build(schemaElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"urn:test:{round}"));
            for (int sample = 0; sample < 8; sample++)
            {
                var arguments = RandomArguments(random, schema);
                var instance = JsonDocument.Parse(new JsonObject(arguments.Select(pair => KeyValuePair.Create(pair.Key, JsonNode.Parse(pair.Value.GetRawText())))).ToJsonString()).RootElement;
                var library = built.Evaluate(instance, Flag).IsValid;
                var fast = check.IsCertainlyValid(arguments);
                compared++;
                if (fast)
                {
                    confirmed++;
                    Assert.True(library, $"seed {Seed}, round {round}: the fast check called {instance.GetRawText()} valid against {schema.ToJsonString()}, JsonSchema.Net did not");
                }
            }
        }

        Assert.True(compared > 5000, $"only {compared} comparisons were made");
        Assert.True(confirmed > compared / 10, $"the fast check confirmed only {confirmed} of {compared} instances");
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"message":{"type":"string","description":"d"}},"required":["message"]}""", """{"message":"hi"}""", true)]
    [InlineData("""{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}""", """{}""", false)]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer"}}}""", """{"n":3}""", true)]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer"}}}""", """{"n":3.0}""", false)]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer"}}}""", """{"n":3.5}""", false)]
    [InlineData("""{"type":"object","properties":{"n":{"type":"number"}}}""", """{"n":3.5}""", true)]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}""", """{"a":"x","b":1}""", false)]
    [InlineData("""{"type":"object","properties":{"mode":{"type":"string","enum":["r","w"]}}}""", """{"mode":"x"}""", false)]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}}""", """{"tags":["a",1]}""", false)]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}}""", """{"tags":["a","b"]}""", true)]
    public void Plain_schemas_are_decided_on_the_fast_path_only_when_valid(string schema, string arguments, bool certainlyValid)
    {
        var check = SimpleSchemaCheck.TryCompile(JsonDocument.Parse(schema).RootElement);
        Assert.NotNull(check);
        Assert.Equal(certainlyValid, check.IsCertainlyValid(Arguments(arguments)));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"p":{"type":"string","pattern":"^a"}}}""")]
    [InlineData("""{"type":"object","properties":{"p":{"type":"string","maxLength":3}}}""")]
    [InlineData("""{"type":"object","properties":{"p":{"$ref":"#/$defs/x"}},"$defs":{"x":{"type":"string"}}}""")]
    [InlineData("""{"type":"object","properties":{"p":{"type":"string","format":"uri"}}}""")]
    [InlineData("""{"type":"object","additionalProperties":{"type":"string"}}""")]
    [InlineData("""{"type":"object","properties":{"p":{"enum":[1,2]}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-04/schema#","type":"object"}""")]
    [InlineData("""{"type":"object","anyOf":[{"required":["a"]}]}""")]
    public void Schemas_with_other_keywords_are_left_to_JsonSchema_Net(string schema) =>
        Assert.Null(SimpleSchemaCheck.TryCompile(JsonDocument.Parse(schema).RootElement));

    [Fact]
    public void The_validator_still_refuses_what_the_fast_check_cannot_confirm()
    {
        var validator = new ToolSchemaValidator();
        var tool = new Tool { Name = "t", InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""").RootElement.Clone() };
        Assert.Empty(validator.Validate(tool, Arguments("""{"n":3}""")));
        Assert.Empty(validator.Validate(tool, Arguments("""{"n":3.0}""")));
        var violation = Assert.Single(validator.Validate(tool, Arguments("""{"n":"3"}""")));
        Assert.Contains("n", violation.Argument, StringComparison.Ordinal);
    }

    private static Dictionary<string, JsonElement> Arguments(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.Clone());

    private static readonly string[] TypeNames = ["object", "array", "string", "number", "integer", "boolean", "null"];
    private static readonly string[] Names = ["a", "b", "c", "path", "mode"];
    private static readonly string[] Words = ["r", "w", "x", "hello", ""];

    private static JsonObject RandomSchema(Random random, int depth, bool isRoot)
    {
        var schema = new JsonObject();
        if (isRoot || random.Next(5) > 0)
        {
            schema["type"] = isRoot && random.Next(6) > 0
                ? "object"
                : random.Next(5) == 0
                    ? new JsonArray(JsonValue.Create(TypeNames[random.Next(TypeNames.Length)]), JsonValue.Create(TypeNames[random.Next(TypeNames.Length)]))
                    : TypeNames[random.Next(depth >= 2 ? TypeNames.Length - 1 : TypeNames.Length) + (depth >= 2 ? 1 : 0)];
        }

        if (random.Next(3) == 0)
        {
            schema["description"] = "annotation";
        }

        if (depth < 3 && random.Next(4) > 0)
        {
            var properties = new JsonObject();
            foreach (var name in Names.Where(_ => random.Next(2) == 0))
            {
                properties[name] = RandomSchema(random, depth + 1, isRoot: false);
            }

            schema["properties"] = properties;
        }

        if (random.Next(3) == 0)
        {
            schema["required"] = new JsonArray([.. Names.Where(_ => random.Next(4) == 0).Select(name => JsonValue.Create(name))]);
        }

        if (random.Next(3) == 0)
        {
            schema["additionalProperties"] = random.Next(2) == 0;
        }

        if (depth < 3 && random.Next(4) == 0)
        {
            schema["items"] = RandomSchema(random, depth + 1, isRoot: false);
        }

        if (!isRoot && random.Next(6) == 0)
        {
            schema["enum"] = new JsonArray([.. Words.Where(_ => random.Next(2) == 0).Select(word => JsonValue.Create(word))]);
        }

        if (random.Next(25) == 0)
        {
            schema["minLength"] = 1;
        }

        return schema;
    }

    private static Dictionary<string, JsonElement> RandomArguments(Random random, JsonObject schema)
    {
        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var properties = schema["properties"] as JsonObject;
        foreach (var name in Names)
        {
            if (random.Next(3) == 0)
            {
                continue;
            }

            var node = properties?[name] is JsonObject property && random.Next(4) > 0 ? Conforming(random, property, 0) : RandomValue(random, 0);
            arguments[name] = JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement.Clone();
        }

        return arguments;
    }

    private static JsonNode? Conforming(Random random, JsonObject schema, int depth)
    {
        if (schema["enum"] is JsonArray { Count: > 0 } values && random.Next(4) > 0)
        {
            return values[random.Next(values.Count)]!.DeepClone();
        }

        var type = schema["type"] switch
        {
            JsonValue value => value.GetValue<string>(),
            JsonArray array => array[random.Next(array.Count)]!.GetValue<string>(),
            _ => TypeNames[random.Next(TypeNames.Length)],
        };
        switch (type)
        {
            case "object":
                var result = new JsonObject();
                var properties = schema["properties"] as JsonObject;
                foreach (var name in Names.Where(_ => random.Next(2) == 0))
                {
                    result[name] = properties?[name] is JsonObject property && depth < 4 ? Conforming(random, property, depth + 1) : RandomValue(random, depth + 1);
                }

                return result;
            case "array":
                var items = new JsonArray();
                for (int i = random.Next(4); i > 0; i--)
                {
                    items.Add(schema["items"] is JsonObject item && depth < 4 ? Conforming(random, item, depth + 1) : RandomValue(random, depth + 1));
                }

                return items;
            default:
                return RandomValue(random, depth, type);
        }
    }

    private static JsonNode? RandomValue(Random random, int depth, string? type = null)
    {
        type ??= TypeNames[random.Next(depth >= 3 ? 2 : 0, TypeNames.Length)];
        return type switch
        {
            "object" => new JsonObject { [Names[random.Next(Names.Length)]] = RandomValue(random, depth + 1) },
            "array" => new JsonArray(RandomValue(random, depth + 1)),
            "string" => Words[random.Next(Words.Length)],
            "number" => random.Next(3) == 0 ? JsonNode.Parse("2.5") : JsonNode.Parse("7"),
            "integer" => random.Next(4) == 0 ? JsonNode.Parse("4.0") : random.Next(4) == 0 ? JsonNode.Parse("1e2") : JsonNode.Parse("42"),
            "boolean" => random.Next(2) == 0,
            _ => null,
        };
    }
}
