using McpFoundation.Configuration;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// One gateway shared by a test class, in front of the fixture server four ways: <c>fixture</c> (stdio, with a
/// configured env value, an events file and a working directory), <c>inherit</c> (stdio, inherit_env true),
/// <c>paged</c> (stdio, 120 extra tools in pages of 7) and <c>fixture_http</c> (the fixture over Streamable HTTP).
/// Only <c>fixture</c> serves the fixture's resources: a URI or template that several servers list is ambiguous, and
/// the gateway refuses to guess which one should serve it.
/// </summary>
public sealed class FixtureGateway : IAsyncLifetime
{
    /// <summary>A variable set in the test process (the gateway's own environment) before the gateway starts.</summary>
    public const string GatewaySecretVariable = "MCPF_TEST_SECRET";

    /// <summary>A variable set only through the <c>fixture</c> server's configured <c>env</c>.</summary>
    public const string ConfiguredVariable = "MCPF_TEST_CONFIGURED";

    public const string ConfiguredValue = "configured-value-42";

    public const int ExtraTools = 120;

    private ExternalServer? _httpFixture;
    private GatewayHost? _host;

    /// <summary>One value per test process: several fixtures start in parallel, and the variable is process-wide.</summary>
    public static string GatewaySecret { get; } = "gateway-secret-" + Guid.NewGuid().ToString("N");

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("mcpf-it-").FullName;

    public string EventsFile => Path.Combine(WorkDirectory, "events.txt");

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        Environment.SetEnvironmentVariable(GatewaySecretVariable, GatewaySecret);
        _httpFixture = await ExternalServer.StartFixtureAsync(cts.Token, "--no-resources");
        ServerDefinition fixture = TestServers.Fixture("fixture") with
        {
            Env = new Dictionary<string, string> { ["FIXTURE_EVENTS_FILE"] = EventsFile, [ConfiguredVariable] = ConfiguredValue },
            Cwd = WorkDirectory,
        };
        _host = await GatewayHost.StartAsync(
            TestServers.Configuration(
                fixture,
                TestServers.Fixture("inherit", "--no-resources") with { InheritEnvironment = true },
                TestServers.Fixture("paged", "--no-resources", "--tools", ExtraTools.ToString(System.Globalization.CultureInfo.InvariantCulture), "--page-size", "7"),
                TestServers.Http("fixture_http", _httpFixture.Endpoint)),
            cts.Token);
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
}
