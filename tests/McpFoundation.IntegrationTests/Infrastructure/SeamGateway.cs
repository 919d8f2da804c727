using McpFoundation.Configuration;
using McpFoundation.Hosting;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// A gateway with two real filters installed through <c>AddFilter</c> (a recorder, then a scripted one that denies or
/// changes what a test says) in front of the recording fixture: <c>fixture</c> over stdio and <c>fixture_http</c> over
/// Streamable HTTP, each writing every request it receives to its own request log.
/// </summary>
public sealed class SeamGateway : IAsyncLifetime
{
    private ExternalServer? _httpFixture;
    private GatewayHost? _host;

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("mcpf-seam-").FullName;

    internal RequestLogFile StdioLog => new(System.IO.Path.Combine(WorkDirectory, "stdio-requests.jsonl"));

    internal RequestLogFile HttpLog => new(System.IO.Path.Combine(WorkDirectory, "http-requests.jsonl"));

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    internal RecordingFilter Recorder => (RecordingFilter)Filters().First(f => f is RecordingFilter);

    internal ScriptedFilter Scripted => (ScriptedFilter)Filters().First(f => f is ScriptedFilter);

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        // Only the stdio fixture serves resources: two servers offering the same URIs would make every read ambiguous.
        _httpFixture = await ExternalServer.StartFixtureAsync(new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = HttpLog.Path }, cts.Token, "--no-resources");
        ServerDefinition fixture = TestServers.Fixture("fixture") with { Env = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = StdioLog.Path } };
        _host = await GatewayHost.StartAsync(
            TestServers.Configuration(fixture, TestServers.Http("fixture_http", _httpFixture.Endpoint)),
            cts.Token,
            gateway: static builder => builder.AddFilter<RecordingFilter>().AddFilter<ScriptedFilter>());
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_httpFixture is not null)
        {
            await _httpFixture.DisposeAsync();
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private IEnumerable<McpFoundation.Pipeline.IOperationFilter> Filters() =>
        ((McpFoundation.Pipeline.OperationPipeline)Host.Services.GetService(typeof(McpFoundation.Pipeline.OperationPipeline))!).Filters;
}
