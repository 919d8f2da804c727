using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Front;

/// <summary>The SDK's session errors reach HTTP clients in the gateway's words, with the SDK's status and code.</summary>
[Trait("Category", "Integration")]
public sealed class SdkErrorWordingTests(FrontGateway gateway) : IClassFixture<FrontGateway>
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":7,"method":"tools/list"}""";

    [Fact]
    public async Task PostMcp_NoSession_SaysToInitializeOrUseTheStatelessRevision()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using HttpRequestMessage request = ToolsListRequest(sessionId: null);

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);
        (int code, string message, JsonElement id) = await ErrorOfAsync(response, cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32000, code);
        Assert.Equal(7, id.GetInt32());
        Assert.StartsWith("No session: send initialize first (protocol 2025-11-25)", message, StringComparison.Ordinal);
        Assert.Contains("2026-07-28", message, StringComparison.Ordinal);
        Assert.DoesNotContain("HttpServerTransportOptions", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMcp_UnknownSession_SaysToInitializeAgain()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using HttpRequestMessage request = ToolsListRequest(sessionId: "no-such-session");

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);
        (int code, string message, _) = await ErrorOfAsync(response, cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(-32001, code);
        Assert.StartsWith("Unknown session:", message, StringComparison.Ordinal);
        Assert.Contains("Send initialize again", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMcp_NoSession_SaysGetNeedsASession()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Host.McpEndpoint);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);
        (_, string message, _) = await ErrorOfAsync(response, cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("GET and DELETE need the Mcp-Session-Id header", message, StringComparison.Ordinal);
        Assert.DoesNotContain("HttpServerTransportOptions", message, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Message, JsonElement Id)> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        JsonElement error = body.RootElement.GetProperty("error");
        JsonElement id = body.RootElement.TryGetProperty("id", out JsonElement value) ? value.Clone() : default;
        return (error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString()!, id);
    }

    private HttpRequestMessage ToolsListRequest(string? sessionId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint)
        {
            Content = new StringContent(ToolsList, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }

        return request;
    }
}
