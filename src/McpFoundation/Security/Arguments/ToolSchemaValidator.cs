using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Json.Schema;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Validates a call's arguments against the tool's <c>inputSchema</c> with JsonSchema.Net (draft 2020-12 by default,
/// the draft <c>$schema</c> names otherwise: 2019-09, 07, 06). Each schema is compiled once per <see cref="Tool"/>
/// instance (a catalogue snapshot holds its tools; a new snapshot compiles anew). A schema that does not compile is
/// remembered as such and refuses every call (fail closed). Remote <c>$ref</c>s are never fetched.
/// </summary>
internal sealed class ToolSchemaValidator
{
    /// <summary>At most this many schema errors are reported for one call.</summary>
    internal const int MaxReportedErrors = 5;

    private const string Rule = "tool.input_schema";

    // A valid call (the common case) is confirmed by SimpleSchemaCheck when the schema is a plain one, or else decided
    // with the flag output, which stops at the first failure and collects nothing; only an invalid one is evaluated
    // again with the list output, for the errors it reports.
    private static readonly EvaluationOptions Decision = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions Explanation = new() { OutputFormat = OutputFormat.List };

    private readonly ConditionalWeakTable<Tool, Compiled> _compiled = new();

    public IReadOnlyList<ArgumentViolation> Validate(Tool tool, IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var compiled = _compiled.GetValue(tool, static tool => Compile(tool.InputSchema));
        if (compiled.Schema is null)
        {
            return [new ArgumentViolation(string.Empty, Rule, Pipeline.GatewayErrorCodes.ArgumentsInvalid, $"The tool {tool.Name} has an input schema the gateway cannot use ({compiled.Error}), so its arguments cannot be validated and the call is refused.", "fix the server's inputSchema for this tool, or set settings.enable_strict_validation to false")];
        }

        if (compiled.Simple?.IsCertainlyValid(arguments) == true)
        {
            return [];
        }

        using var instance = ToDocument(arguments);
        EvaluationResults results;
        try
        {
            if (compiled.Schema.Evaluate(instance.RootElement, Decision).IsValid)
            {
                return [];
            }

            results = compiled.Schema.Evaluate(instance.RootElement, Explanation);
        }
        catch (Exception exception) when (exception is JsonSchemaException or JsonException or InvalidOperationException or RefResolutionException)
        {
            return [new ArgumentViolation(string.Empty, Rule, Pipeline.GatewayErrorCodes.ArgumentsInvalid, $"The arguments of {tool.Name} could not be validated against its input schema ({exception.GetType().Name}).", "fix the server's inputSchema for this tool, or set settings.enable_strict_validation to false")];
        }

        if (results.IsValid)
        {
            return [];
        }

        var violations = new List<ArgumentViolation>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            var location = detail.InstanceLocation.ToString();
            var argument = location.Length <= 1 ? string.Empty : location.TrimStart('/');
            foreach (var (keyword, message) in errors)
            {
                var subject = argument.Length == 0 ? "The arguments" : $"Argument {argument}";
                var verb = argument.Length == 0 ? "do" : "does";
                violations.Add(new ArgumentViolation(argument, Rule, Pipeline.GatewayErrorCodes.ArgumentsInvalid, $"{subject} of {tool.Name} {verb} not match its input schema: {message} ({keyword})", "send arguments that match the tool's inputSchema (see tools/list)"));
                if (violations.Count == MaxReportedErrors)
                {
                    return violations;
                }
            }
        }

        return violations.Count > 0
            ? violations
            : [new ArgumentViolation(string.Empty, Rule, Pipeline.GatewayErrorCodes.ArgumentsInvalid, $"The arguments of {tool.Name} do not match its input schema.", "send arguments that match the tool's inputSchema (see tools/list)")];
    }

    private static JsonDocument ToDocument(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static Compiled Compile(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return new Compiled(null, "inputSchema is not an object");
        }

        try
        {
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            var built = JsonSchema.Build(schema, options, new Uri("urn:mcpfoundation:tool-schema:" + Guid.NewGuid().ToString("N")));
            return new Compiled(built, null, SimpleSchemaCheck.TryCompile(schema));
        }
        catch (Exception exception) when (exception is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException or RefResolutionException or UriFormatException or KeyNotFoundException or NotSupportedException)
        {
            return new Compiled(null, exception.Message.Length > 200 ? exception.Message[..200] + "..." : exception.Message);
        }
    }

    /// <param name="Schema">The schema as JsonSchema.Net built it, or null when it does not build (every call is refused).</param>
    /// <param name="Error">Why it does not build.</param>
    /// <param name="Simple">The allocation-free check that confirms most valid calls, when the schema uses only the keywords it knows.</param>
    private sealed record Compiled(JsonSchema? Schema, string? Error, SimpleSchemaCheck? Simple = null);
}
