using System.Text.Json;
using McpFoundation.Pipeline;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Routing;

/// <summary>
/// A <c>completion/complete</c> request seen as arguments: the context arguments the client already filled in, plus the
/// argument being completed with its partial value (a policy on a path argument sees the path being typed).
/// </summary>
internal static class CompletionArguments
{
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<string> StringType =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<string>)ModelContextProtocol.McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(string));

    public static IReadOnlyDictionary<string, JsonElement> Of(CompleteRequestParams request)
    {
        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (request.Context?.Arguments is { } known)
        {
            foreach ((string name, string value) in known)
            {
                arguments[name] = JsonSerializer.SerializeToElement(value, StringType);
            }
        }

        arguments[request.Argument.Name] = JsonSerializer.SerializeToElement(request.Argument.Value, StringType);
        return arguments;
    }

    /// <summary>The argument and context to forward: the client's own unless a filter replaced the arguments.</summary>
    public static (Argument Argument, CompleteContext? Context) Forwarded(OperationContext context, CompleteRequestParams request)
    {
        if (context.ArgumentsReplacedBy is null || context.Arguments is not { } arguments)
        {
            return (request.Argument, request.Context);
        }

        string name = request.Argument.Name;
        string value = arguments.TryGetValue(name, out JsonElement completed) && completed.ValueKind == JsonValueKind.String ? completed.GetString()! : string.Empty;
        Dictionary<string, string> known = arguments
            .Where(a => a.Key != name && a.Value.ValueKind == JsonValueKind.String)
            .ToDictionary(static a => a.Key, static a => a.Value.GetString()!, StringComparer.Ordinal);
        return (new Argument { Name = name, Value = value }, known.Count == 0 && request.Context is null ? null : new CompleteContext { Arguments = known });
    }
}
