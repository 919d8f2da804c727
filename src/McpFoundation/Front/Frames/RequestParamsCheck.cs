using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Front.Frames;

/// <summary>
/// Reads a request's params as the SDK will (its types, its JSON options) before the SDK does, so that params of the
/// wrong shape (a number for a tool's name, a required member missing) get -32602 with the member to fix instead of
/// the SDK's -32603 "An error occurred." (it answers any failure to read params so). Only the methods the gateway
/// serves with typed params are read; others pass.
/// </summary>
internal static class RequestParamsCheck
{
    private static readonly Dictionary<string, JsonTypeInfo> ParamsTypes = new(StringComparer.Ordinal)
    {
        [RequestMethods.Initialize] = TypeOf<InitializeRequestParams>(),
        [RequestMethods.Ping] = TypeOf<PingRequestParams>(),
        [RequestMethods.ToolsList] = TypeOf<ListToolsRequestParams>(),
        [RequestMethods.ToolsCall] = TypeOf<CallToolRequestParams>(),
        [RequestMethods.ResourcesList] = TypeOf<ListResourcesRequestParams>(),
        [RequestMethods.ResourcesTemplatesList] = TypeOf<ListResourceTemplatesRequestParams>(),
        [RequestMethods.ResourcesRead] = TypeOf<ReadResourceRequestParams>(),
        [RequestMethods.ResourcesSubscribe] = TypeOf<SubscribeRequestParams>(),
        [RequestMethods.ResourcesUnsubscribe] = TypeOf<UnsubscribeRequestParams>(),
        [RequestMethods.PromptsList] = TypeOf<ListPromptsRequestParams>(),
        [RequestMethods.PromptsGet] = TypeOf<GetPromptRequestParams>(),
        [RequestMethods.CompletionComplete] = TypeOf<CompleteRequestParams>(),
        [RequestMethods.LoggingSetLevel] = TypeOf<SetLevelRequestParams>(),
    };

    /// <summary>Returns true with the -32602 rejection (carrying the request's id) when the params cannot be read.</summary>
    public static bool TryReject(JsonRpcRequest request, out FrameRejection rejection)
    {
        rejection = default;
        if (request.Params is not JsonNode parameters || !ParamsTypes.TryGetValue(request.Method, out JsonTypeInfo? type))
        {
            return false; // no params: the guard and the handlers say which methods need them
        }

        object? read;
        try
        {
            read = parameters.Deserialize(type);
        }
        catch (JsonException ex)
        {
            rejection = new FrameRejection(FrameProblem.InvalidParams, Describe(request.Method, ex), request.Id);
            return true;
        }

        if (MissingRequired(parameters, type, "params", depth: 0) is { } required)
        {
            rejection = new FrameRejection(FrameProblem.InvalidParams, $"Invalid params: {request.Method} params miss a required member ({required}); member names are case-sensitive, see the MCP specification for its fields.", request.Id);
            return true;
        }

        if (MissingMember(read) is { } missing)
        {
            rejection = new FrameRejection(FrameProblem.InvalidParams, $"Invalid params: {request.Method} needs {missing}.", request.Id);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The path of a required member that is not there under its exact name. Found by the fuzzer: the SDK reads
    /// member names case-insensitively, so <c>"arGument"</c> reads as <c>argument</c> with these options, but the
    /// SDK's own source-generated context, which reads the params for its handlers, counts a required member only
    /// under its exact name and throws (answered -32603). Only members that are JSON objects are walked, to a small
    /// depth; a frame that fails here would fail in the SDK.
    /// </summary>
    private static string? MissingRequired(JsonNode? node, JsonTypeInfo type, string path, int depth)
    {
        if (node is not JsonObject members || type.Kind != JsonTypeInfoKind.Object || depth > 8)
        {
            return null;
        }

        foreach (JsonPropertyInfo property in type.Properties)
        {
            JsonNode? value = null;
            bool present = false;
            foreach (KeyValuePair<string, JsonNode?> member in members)
            {
                if (string.Equals(member.Key, property.Name, StringComparison.Ordinal))
                {
                    (present, value) = (true, member.Value);
                    break;
                }
            }

            if (!present)
            {
                if (property.IsRequired)
                {
                    return path + "." + property.Name;
                }

                continue;
            }

            if (value is JsonObject && MissingRequired(value, type.Options.GetTypeInfo(property.PropertyType), path + "." + property.Name, depth + 1) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    /// <summary>
    /// A member the handlers need that the SDK's types let through as null (<c>"name": null</c> satisfies a required
    /// member): found by the fuzzer, each reached a handler and failed there with -32603.
    /// </summary>
    internal static string? MissingMember(object? read) => read switch
    {
        CallToolRequestParams { Name: null } => "params.name, a string: the tool's name from tools/list",
        GetPromptRequestParams { Name: null } => "params.name, a string: the prompt's name from prompts/list",
        ReadResourceRequestParams { Uri: null } or SubscribeRequestParams { Uri: null } or UnsubscribeRequestParams { Uri: null } => "params.uri, a string: a resource's URI from resources/list",
        CompleteRequestParams completion => MissingInCompletion(completion),
        InitializeRequestParams initialize => MissingInInitialize(initialize),
        _ => null,
    };

    private static string? MissingInCompletion(CompleteRequestParams completion) => completion switch
    {
        { Ref: null } => "params.ref, an object: {\"type\":\"ref/prompt\",\"name\":...} or {\"type\":\"ref/resource\",\"uri\":...}",
        { Ref: PromptReference { Name: null } } => "params.ref.name, a string: the prompt's name from prompts/list",
        { Argument: null } => "params.argument, an object: {\"name\":...,\"value\":...}, the argument being completed",
        { Argument.Name: null } => "params.argument.name, a string: the name of the argument being completed",
        { Argument.Value: null } => "params.argument.value, a string: what the user has typed so far",
        _ => null,
    };

    private static string? MissingInInitialize(InitializeRequestParams initialize) => initialize switch
    {
        { ProtocolVersion: null } => "params.protocolVersion, a string such as \"2025-11-25\"",
        { Capabilities: null } => "params.capabilities, an object (may be empty)",
        { ClientInfo: null } or { ClientInfo.Name: null } or { ClientInfo.Version: null } => "params.clientInfo, an object with a name and a version (strings)",
        _ => null,
    };

    /// <summary>The member that could not be read, in the client's terms (no .NET type names).</summary>
    internal static string Describe(string method, JsonException ex)
    {
        const string Missing = "missing required properties including: ";
        int missing = ex.Message.IndexOf(Missing, StringComparison.Ordinal);
        if (missing >= 0)
        {
            string members = ex.Message[(missing + Missing.Length)..].TrimEnd('.', ' ');
            return $"Invalid params: {method} params miss a required member ({members}); see the MCP specification for its fields.";
        }

        string where = ex.Path is { Length: > 1 } path && path.StartsWith('$') ? "params" + path[1..] : "params";
        return $"Invalid params: {method} has a value of the wrong type at {where}; see the MCP specification for its fields.";
    }

    private static JsonTypeInfo TypeOf<T>() => McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
