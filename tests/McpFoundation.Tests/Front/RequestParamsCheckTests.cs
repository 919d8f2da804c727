using System.Text.Json.Nodes;
using McpFoundation.Front.Frames;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tests.Front;

/// <summary>
/// <see cref="RequestParamsCheck"/> on its own: the params the fuzzer found answered -32603 by the SDK or the handlers
/// are refused -32602 naming the member; well-formed params pass.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RequestParamsCheckTests
{
    public static TheoryData<string, string, string> Refused => new()
    {
        // method, params, what the message names
        { "completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":null}""", "params.argument" },
        { "completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"arGument":{"name":"a","value":"b"}}""", "params.argument" },
        { "completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"nAme":"a","value":"b"}}""", "params.argument.name" },
        { "completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":null,"value":"b"}}""", "params.argument.name" },
        { "completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":null}}""", "params.argument.value" },
        { "completion/complete", """{"ref":{"type":"ref/prompt","name":null},"argument":{"name":"a","value":"b"}}""", "params.ref" }, // the SDK's Reference converter refuses it itself
        { "completion/complete", """{"ref":null,"argument":{"name":"a","value":"b"}}""", "params.ref" },
        { "logging/setLevel", """{"levEl":"debug"}""", "params.level" },
        { "initialize", """{"protocolVersioN":"2025-11-25","capabilities":{},"clientInfo":{"name":"a","version":"1"}}""", "params.protocolVersion" },
        { "initialize", """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":null,"version":"1"}}""", "params.clientInfo" },
        { "resources/read", """{"uri":null}""", "params.uri" },
        { "prompts/get", """{"name":null}""", "params.name" },
        { "tools/call", """{"name":null}""", "params.name" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void TryReject_MissingOrNullMember_InvalidParamsNamingIt(string method, string parameters, string member)
    {
        var request = new JsonRpcRequest { Id = new RequestId(7), Method = method, Params = JsonNode.Parse(parameters) };

        bool refused = RequestParamsCheck.TryReject(request, out FrameRejection rejection);

        Assert.True(refused, $"{method} {parameters} passed");
        Assert.Equal(FrameProblem.InvalidParams, rejection.Problem);
        Assert.Equal(new RequestId(7), rejection.Id);
        Assert.Contains(member, rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":""},"context":{"arguments":{"x":"y"}}}""")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/resource","uri":"fixture://items/{id}"},"argument":{"name":"id","value":"1"}}""")]
    [InlineData("logging/setLevel", """{"level":"debug"}""")]
    [InlineData("initialize", """{"protocolVersion":"2025-11-25","capabilities":{"sampling":{}},"clientInfo":{"name":"a","version":"1"}}""")]
    [InlineData("tools/call", """{"name":"echo","arguments":{"Message":"case is the tool's business"}}""")]
    [InlineData("resources/read", """{"uri":"fixture://a"}""")]
    public void TryReject_WellFormedParams_Passes(string method, string parameters)
    {
        var request = new JsonRpcRequest { Id = new RequestId(7), Method = method, Params = JsonNode.Parse(parameters) };

        Assert.False(RequestParamsCheck.TryReject(request, out FrameRejection rejection), rejection.Message);
    }
}
