using McpFoundation.IntegrationTests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Everything;

/// <summary>The reference server-everything behind the gateway, reached over the gateway's HTTP front.</summary>
public abstract class ServerEverythingTests<TGateway>(TGateway gateway)
    where TGateway : EverythingGateway
{
    [Fact]
    public async Task ListTools_Everything_ContainsPrefixedEchoAndSum()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);

        Assert.Contains(tools, t => t.Name == "everything__echo");
        Assert.Contains(tools, t => t.Name == "everything__get-sum");
        Assert.All(tools, t => Assert.StartsWith("everything__", t.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_EchoAndGetSum_ReturnServerText()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        CallToolResult echo = await client.Client.CallToolAsync("everything__echo", Results.Args(("message", "hello gateway")), cancellationToken: cts.Token);
        CallToolResult sum = await client.Client.CallToolAsync("everything__get-sum", Results.Args(("a", 2), ("b", 40)), cancellationToken: cts.Token);

        Assert.Equal("Echo: hello gateway", echo.Text());
        Assert.Equal("The sum of 2 and 40 is 42.", sum.Text());
    }

    [Fact]
    public async Task Resources_ListReadAndTemplates_PassThrough()
    {
        const string Static = "demo://resource/static/document/architecture.md";
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        IList<McpClientResource> resources = await client.Client.ListResourcesAsync(cancellationToken: cts.Token);
        ReadResourceResult document = await client.Client.ReadResourceAsync(Static, cancellationToken: cts.Token);
        IList<McpClientResourceTemplate> templates = await client.Client.ListResourceTemplatesAsync(cancellationToken: cts.Token);
        ReadResourceResult dynamic = await client.Client.ReadResourceAsync("demo://resource/dynamic/text/7", cancellationToken: cts.Token);

        Assert.Contains(resources, r => r.Uri == Static);
        TextResourceContents text = Assert.IsType<TextResourceContents>(Assert.Single(document.Contents));
        Assert.Equal(Static, text.Uri);
        Assert.False(string.IsNullOrWhiteSpace(text.Text));
        Assert.Contains(templates, t => t.UriTemplate == "demo://resource/dynamic/text/{resourceId}");
        Assert.Contains("7", Assert.IsType<TextResourceContents>(Assert.Single(dynamic.Contents)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prompts_ListGetWithArgumentsAndComplete_PassThrough()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        IList<McpClientPrompt> prompts = await client.Client.ListPromptsAsync(cancellationToken: cts.Token);
        GetPromptResult prompt = await client.Client.GetPromptAsync(
            "everything__args-prompt", new Dictionary<string, object?> { ["city"] = "Paris", ["state"] = "TX" }, cancellationToken: cts.Token);
        CompleteResult departments = await client.Client.CompleteAsync(new PromptReference { Name = "everything__completable-prompt" }, "department", "Ma", cancellationToken: cts.Token);

        Assert.Contains(prompts, p => p.Name == "everything__simple-prompt");
        Assert.Contains(prompts, p => p.Name == "everything__args-prompt");
        Assert.Equal("What's weather in Paris, TX?", Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
        Assert.Equal(["Marketing"], departments.Completion.Values);
    }
}

/// <summary>server-everything over stdio, behind the gateway.</summary>
[Trait("Category", "Integration")]
public sealed class ServerEverythingOverStdioTests(EverythingStdioGateway gateway)
    : ServerEverythingTests<EverythingStdioGateway>(gateway), IClassFixture<EverythingStdioGateway>;

/// <summary>server-everything over Streamable HTTP, behind the gateway.</summary>
[Trait("Category", "Integration")]
public sealed class ServerEverythingOverHttpTests(EverythingHttpGateway gateway)
    : ServerEverythingTests<EverythingHttpGateway>(gateway), IClassFixture<EverythingHttpGateway>;

public abstract class EverythingGateway : IAsyncLifetime
{
    private GatewayHost? _host;

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        _host = await GatewayHost.StartAsync(TestServers.Configuration(await DefineAsync(cts.Token)), cts.Token);
        Assert.Equal(Servers.ServerState.Connected, _host.ServerManager.GetHealth().Single().State);
    }

    public virtual async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private protected abstract Task<Configuration.ServerDefinition> DefineAsync(CancellationToken cancellationToken);
}

public sealed class EverythingStdioGateway : EverythingGateway
{
    private protected override Task<Configuration.ServerDefinition> DefineAsync(CancellationToken cancellationToken) =>
        Task.FromResult(TestServers.EverythingStdio());
}

public sealed class EverythingHttpGateway : EverythingGateway
{
    private ExternalServer? _server;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private protected override async Task<Configuration.ServerDefinition> DefineAsync(CancellationToken cancellationToken)
    {
        _server = await ExternalServer.StartEverythingAsync(cancellationToken);
        return TestServers.Http("everything", _server.Endpoint);
    }
}

/// <summary>server-everything in its legacy HTTP+SSE mode, configured with <c>"transport": "sse"</c>.</summary>
[Trait("Category", "Integration")]
public sealed class ServerEverythingOverSseTests(EverythingSseGateway gateway)
    : ServerEverythingTests<EverythingSseGateway>(gateway), IClassFixture<EverythingSseGateway>;

/// <summary>
/// server-everything in its legacy HTTP+SSE mode, configured with <c>"transport": "http"</c>: the gateway tries
/// Streamable HTTP first and falls back to SSE.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ServerEverythingSseFallbackTests(EverythingSseFallbackGateway gateway)
    : ServerEverythingTests<EverythingSseFallbackGateway>(gateway), IClassFixture<EverythingSseFallbackGateway>;

public abstract class EverythingSseGatewayBase : EverythingGateway
{
    private ExternalServer? _server;

    private protected abstract Configuration.ServerTransport Transport { get; }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private protected override async Task<Configuration.ServerDefinition> DefineAsync(CancellationToken cancellationToken)
    {
        _server = await ExternalServer.StartEverythingSseAsync(cancellationToken);
        return TestServers.Http("everything", _server.Endpoint) with { Transport = Transport };
    }
}

public sealed class EverythingSseGateway : EverythingSseGatewayBase
{
    private protected override Configuration.ServerTransport Transport => Configuration.ServerTransport.Sse;
}

public sealed class EverythingSseFallbackGateway : EverythingSseGatewayBase
{
    private protected override Configuration.ServerTransport Transport => Configuration.ServerTransport.Http;
}
