using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Front;

/// <summary>The HTTP front's DNS-rebinding protection (Host and Origin) and /healthz, with raw HTTP requests.</summary>
[Trait("Category", "Integration")]
public sealed class HttpFrontSecurityTests(FrontGateway gateway) : IClassFixture<FrontGateway>
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    [Theory]
    [InlineData("evil.example.com", null)]
    [InlineData("evil.example.com:8080", null)]
    [InlineData(null, "https://evil.example.com")]
    [InlineData(null, "http://evil.example.com")]
    [InlineData(null, "null")]
    public async Task PostMcp_ForeignHostOrOrigin_ForbiddenWithGatewayCode(string? host, string? origin)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using HttpRequestMessage request = InitializeRequest(host, origin);

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(McpFoundation.Pipeline.GatewayErrorCodes.ForbiddenOrigin, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("2.0", body.RootElement.GetProperty("jsonrpc").GetString());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("localhost", "http://localhost:5173")]
    [InlineData(null, "http://127.0.0.1:3000")]
    [InlineData(null, "http://[::1]:8080")]
    public async Task PostMcp_LoopbackHostAndOrigin_Initializes(string? host, string? origin)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using HttpRequestMessage request = InitializeRequest(host, origin);

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);
        string body = await response.Content.ReadAsStringAsync(cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"protocolVersion\":\"2025-11-25\"", body, StringComparison.Ordinal);
        Assert.True(response.Headers.Contains("Mcp-Session-Id"));
    }

    [Fact]
    public async Task GetHealthz_ServersConnected_ReportsEachServerState()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();

        using HttpResponseMessage response = await gateway.Http.GetAsync(new Uri(gateway.Host.BaseAddress, "/healthz"), cts.Token);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        JsonElement server = Assert.Single(body.RootElement.GetProperty("servers").EnumerateArray());
        Assert.Equal("fixture", server.GetProperty("id").GetString());
        Assert.Equal("Connected", server.GetProperty("state").GetString());
    }

    [Fact]
    public async Task GetHealthz_ForeignHost_Forbidden()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Host.BaseAddress, "/healthz"));
        request.Headers.Host = "evil.example.com";

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private HttpRequestMessage InitializeRequest(string? host, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint)
        {
            Content = new StringContent(Initialize, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        return request;
    }
}

/// <summary>A gateway with one fixture server, for the front's own behaviour.</summary>
public sealed class FrontGateway : IAsyncLifetime
{
    private GatewayHost? _host;

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        _host = await GatewayHost.StartAsync(TestServers.Configuration(TestServers.Fixture("fixture")), cts.Token);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
