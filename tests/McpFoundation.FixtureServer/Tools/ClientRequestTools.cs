using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// Sampling and roots are deprecated by the 2026-07-28 revision (SEP-2577); the fixture exercises them on purpose.
#pragma warning disable MCP9005

namespace McpFoundation.FixtureServer.Tools;

/// <summary>
/// Tools that need the client: sampling, elicitation and roots. Each is written once, the Multi Round-Trip
/// Request (MRTR) way: the first call throws <see cref="InputRequiredException"/>, the retry finds the answer in
/// <see cref="RequestParams.InputResponses"/>. The SDK turns that into whatever the session's protocol era needs:
/// an <c>InputRequiredResult</c> for a 2026-07-28 client, or on an older stateful session a real
/// <c>sampling/createMessage</c> / <c>elicitation/create</c> / <c>roots/list</c> request, after which it re-runs
/// the tool with the response.
/// </summary>
[McpServerToolType]
internal static class ClientRequestTools
{
    private const string SampleKey = "sample";
    private const string ElicitKey = "elicit";
    private const string RootsKey = "roots";

    [McpServerTool(Name = "sample")]
    [Description("Asks the client to sample its LLM (sampling/createMessage) with the prompt; returns \"sampled: <reply>\".")]
    public static string Sample(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("The user message to sample with.")] string prompt)
    {
        if (ClientInput.ResponseTo(context, SampleKey) is { } response)
        {
            return $"sampled: {ClientInput.SampledText(response)}";
        }

        throw ClientInput.Required(server, SampleKey, InputRequest.ForSampling(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
            MaxTokens = 256,
        }));
    }

    [McpServerTool(Name = "elicit")]
    [Description("Asks the user a question (elicitation/create, schema { answer: string }); returns \"action=<action> answer=<answer>\".")]
    public static string Elicit(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("The question to ask.")] string question)
    {
        if (ClientInput.ResponseTo(context, ElicitKey) is { } response)
        {
            ElicitResult? result = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
            string answer = result?.Content?.TryGetValue("answer", out JsonElement value) is true
                ? (value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText())
                : "";
            return $"action={result?.Action} answer={answer}";
        }

        throw ClientInput.Required(server, ElicitKey, InputRequest.ForElicitation(new ElicitRequestParams
        {
            Message = question,
            RequestedSchema = new()
            {
                Properties = { ["answer"] = new ElicitRequestParams.StringSchema { Description = "Your answer." } },
                Required = ["answer"],
            },
        }));
    }

    [McpServerTool(Name = "roots")]
    [Description("Asks the client for its roots (roots/list); returns the root URIs, one per line.")]
    public static string Roots(McpServer server, RequestContext<CallToolRequestParams> context)
    {
        if (ClientInput.ResponseTo(context, RootsKey) is { } response)
        {
            ListRootsResult? result = response.Deserialize(InputResponse.ListRootsResultJsonTypeInfo);
            return string.Join('\n', result?.Roots.Select(r => r.Uri) ?? []);
        }

        throw ClientInput.Required(server, RootsKey, InputRequest.ForRootsList(new ListRootsRequestParams()));
    }
}
