using McpFoundation.Front.Frames;
using McpFoundation.Hosting;
using McpFoundation.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace McpFoundation.Front;

/// <summary>Serves the gateway to one client over this process's stdin and stdout.</summary>
public static class StdioFront
{
    /// <summary>Runs the gateway on stdio until the client disconnects or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="services">The service provider built with <c>AddMcpFoundation</c>, after the gateway was initialized.</param>
    /// <param name="cancellationToken">Stops serving.</param>
    /// <returns>A task that completes when the client is gone.</returns>
    public static Task RunAsync(IServiceProvider services, CancellationToken cancellationToken = default) =>
        RunAsync(services, Console.OpenStandardInput(), Console.OpenStandardOutput(), cancellationToken);

    /// <summary>
    /// Serves one client on <paramref name="input"/> and <paramref name="output"/> (newline-delimited JSON-RPC), every
    /// frame checked by <see cref="FrameGuard"/> first (the configuration's <c>http</c> limits): a malformed one gets its
    /// JSON-RPC error and the front keeps reading.
    /// </summary>
    internal static async Task RunAsync(IServiceProvider services, Stream input, Stream output, CancellationToken cancellationToken)
    {
        FrameLimits limits = (services.GetRequiredService<GatewayConfigurationProvider>().Current.GetSection<HttpFrontSettings>(HttpFrontSettings.SectionKey) ?? HttpFrontSettings.Default).Frames;
        await using var transport = new FrameGuardTransport(input, output, limits, services.GetService<ILoggerFactory>());
        await RunAsync(services, transport, cancellationToken);
    }

    internal static async Task RunAsync(IServiceProvider services, ModelContextProtocol.Protocol.ITransport transport, CancellationToken cancellationToken)
    {
        var options = new McpServerOptions();
        services.GetRequiredService<GatewayServerOptions>().Configure(options);
        SessionRegistry sessions = services.GetRequiredService<SessionRegistry>();
        await using McpServer server = McpServer.Create(transport, options, services.GetService<ILoggerFactory>(), services);
        ClientSession session = sessions.Register(server, SessionRegistry.StdioSessionId, SessionRegistry.PrincipalOf(Environment.UserName, "local"));
        try
        {
            await server.RunAsync(cancellationToken);
        }
        finally
        {
            sessions.Unregister(session);
        }
    }
}
