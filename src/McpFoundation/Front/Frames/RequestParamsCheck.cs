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

        if (read is CallToolRequestParams { Name: null })
        {
            rejection = new FrameRejection(FrameProblem.InvalidParams, NameNeeded(request.Method, "the tool's name from tools/list"), request.Id);
            return true;
        }

        if (read is GetPromptRequestParams { Name: null })
        {
            rejection = new FrameRejection(FrameProblem.InvalidParams, NameNeeded(request.Method, "the prompt's name from prompts/list"), request.Id);
            return true;
        }

        return false;
    }

    private static string NameNeeded(string method, string what) =>
        $"Invalid params: {method} needs params.name, a string: {what}.";

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
