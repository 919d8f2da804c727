using System.IO.Pipelines;
using McpFoundation.AspNetCore;
using McpFoundation.AspNetCore.Http;
using McpFoundation.Configuration;
using McpFoundation.Front;
using McpFoundation.Servers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>How the test client reaches the gateway.</summary>
public enum GatewayFront
{
    /// <summary>Streamable HTTP at /mcp on Kestrel (127.0.0.1, port 0).</summary>
    Http,

    /// <summary>The stdio front, on in-memory pipes instead of the process's stdin and stdout.</summary>
    Stdio,
}

/// <summary>
/// The gateway, in-process, exactly as a host runs it: WebApplication + AddMcpFoundation + AddMcpFoundationHttp +
/// MapMcpFoundation on Kestrel (loopback, port 0), whose hosted service starts the configured servers. Clients connect
/// with the SDK's own McpClient, over the HTTP front or over the stdio front on pipes.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    /// <summary>The protocol revision of the test clients: the stateful one, which keeps server-to-client requests on the session.</summary>
    public const string ClientProtocolVersion = "2025-11-25";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Gets the HTTP front's base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the Streamable HTTP endpoint.</summary>
    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    public IServiceProvider Services => _app.Services;

    public McpSecurityIntegration Gateway => Services.GetRequiredService<McpSecurityIntegration>();

    public ServerManager ServerManager => Gateway.ServerManager;

    public ILoggerFactory LoggerFactory => Services.GetRequiredService<ILoggerFactory>();

    /// <summary>Starts the gateway and its servers; returns once every server is connected or has failed.</summary>
    /// <param name="configuration">The gateway's servers and settings.</param>
    /// <param name="cancellationToken">The test's token.</param>
    /// <param name="http">Changes the HTTP front's options.</param>
    /// <param name="services">Adds services after the gateway's own (SDK filters, authentication); an authentication
    /// scheme added here gets the authentication middleware in front of the endpoints.</param>
    /// <param name="gateway">Adds pipeline filters (<c>AddFilter</c>), as an embedding host would.</param>
    public static async Task<GatewayHost> StartAsync(
        GatewayConfiguration configuration,
        CancellationToken cancellationToken,
        Action<McpFoundationHttpOptions>? http = null,
        Action<IServiceCollection>? services = null,
        Action<Hosting.IMcpFoundationBuilder>? gateway = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("MCPF_TEST_LOG") is { Length: > 0 } level && Enum.TryParse(level, ignoreCase: true, out LogLevel minimum))
        {
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(minimum);
        }

        if (configuration.Settings.DataDirectory is null)
        {
            // Every in-process gateway keeps its state (audit, emergency state) in a directory of its own.
            configuration = configuration with { Settings = configuration.Settings with { DataDirectory = Path.Combine(Path.GetTempPath(), "mcpf-test-data", Guid.NewGuid().ToString("N")) } };
        }

        Hosting.IMcpFoundationBuilder foundation = builder.Services.AddMcpFoundation(o => o.Configuration = configuration);
        gateway?.Invoke(foundation);
        builder.Services.AddMcpFoundationHttp(o => http?.Invoke(o));
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        if (app.Services.GetService<IAuthenticationSchemeProvider>() is not null)
        {
            app.UseAuthentication();
        }

        app.MapMcpFoundation();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GatewayHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Connects a new SDK client to the gateway through the given front.</summary>
    /// <param name="front">HTTP or stdio.</param>
    /// <param name="cancellationToken">The test's token.</param>
    /// <param name="configure">Adds handlers or capabilities to the client's options (protocol 2025-11-25 by default).</param>
    public async Task<TestClient> ConnectAsync(GatewayFront front, CancellationToken cancellationToken, Action<McpClientOptions>? configure = null)
    {
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "mcpf-integration-tests", Version = "1.0.0" },
            ProtocolVersion = ClientProtocolVersion,
        };
        configure?.Invoke(options);
        var wire = new WireRecorder();

        if (front == GatewayFront.Http)
        {
            var transport = new HttpClientTransport(
                new HttpClientTransportOptions { Endpoint = McpEndpoint, TransportMode = HttpTransportMode.StreamableHttp, Name = "gateway-http" },
                LoggerFactory);
            McpClient client = await McpClient.CreateAsync(wire.Wrap(transport), options, LoggerFactory, cancellationToken);
            return new TestClient(client, wire, null);
        }

        // The stdio front on two in-memory pipes: what the client writes the front reads, and back.
        var clientToGateway = new Pipe();
        var gatewayToClient = new Pipe();
        var stop = new CancellationTokenSource();
        Task serving = Task.Run(() => StdioFront.RunAsync(Services, clientToGateway.Reader.AsStream(), gatewayToClient.Writer.AsStream(), stop.Token), CancellationToken.None);
        var stdio = new StdioConnection(clientToGateway, serving, stop);
        try
        {
            var clientTransport = new StreamClientTransport(clientToGateway.Writer.AsStream(), gatewayToClient.Reader.AsStream(), LoggerFactory);
            McpClient client = await McpClient.CreateAsync(wire.Wrap(clientTransport), options, LoggerFactory, cancellationToken);
            return new TestClient(client, wire, stdio);
        }
        catch
        {
            await stdio.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    /// <summary>The stdio front's serving loop for one in-memory client.</summary>
    internal sealed class StdioConnection(Pipe clientToGateway, Task serving, CancellationTokenSource stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // End of input first, as when a stdio client closes the pipe; then stop the loop if it is still there.
            await clientToGateway.Writer.CompleteAsync();
            await stop.CancelAsync();
            try
            {
                await serving.WaitAsync(TestTimeouts.Default);
            }
            catch (OperationCanceledException)
            {
            }

            stop.Dispose();
        }
    }
}

/// <summary>A test's client of the gateway: the SDK client, and what it received on the wire.</summary>
internal sealed class TestClient(McpClient client, WireRecorder wire, IAsyncDisposable? connection) : IAsyncDisposable
{
    public McpClient Client { get; } = client;

    public WireRecorder Wire { get; } = wire;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
