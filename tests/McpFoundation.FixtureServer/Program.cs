using McpFoundation.FixtureServer;
using McpFoundation.FixtureServer.Conformance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;

// A small MCP server for the gateway's integration tests. stdout belongs to the protocol (stdio) or to the
// single LISTENING line (HTTP); every log line goes to stderr.
FixtureSettings settings;
try
{
    settings = FixtureSettings.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(FixtureSettings.Usage);
    return 2;
}

if (settings.HttpUrl is null)
{
    var builder = Host.CreateApplicationBuilder();
    LogToStandardError(builder.Logging);
    AddServer(builder.Services, settings).WithStdioServerTransport();
    await builder.Build().RunAsync();
}
else
{
    var builder = WebApplication.CreateSlimBuilder();
    LogToStandardError(builder.Logging);
    builder.WebHost.UseUrls(settings.HttpUrl.GetLeftPart(UriPartial.Authority));
    IMcpServerBuilder mcp = AddServer(builder.Services, settings)
        .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients);
    if (settings.Conformance)
    {
        // An event store makes SSE streams resumable (priming event, retry:, Last-Event-ID), which the
        // suite's server-sse-polling scenario (tool test_reconnection) needs.
        builder.Services.AddDistributedMemoryCache();
#pragma warning disable MCP9006 // Stateful Streamable HTTP is back-compat only; the suite speaks 2025-11-25.
        mcp.WithDistributedCacheEventStreamStore();
#pragma warning restore MCP9006
    }

    await using var app = builder.Build();
    app.MapMcp("/mcp");
    await app.StartAsync();

    // With port 0 Kestrel picks a free port; the addresses feature reports the one it bound.
    string address = app.Services.GetRequiredService<IServer>().Features
        .GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
    Console.Out.WriteLine($"LISTENING {address.TrimEnd('/')}/mcp");
    Console.Out.Flush();

    await app.WaitForShutdownAsync();
}

return Environment.ExitCode;

static IMcpServerBuilder AddServer(IServiceCollection services, FixtureSettings settings) =>
    settings.Conformance ? services.AddConformanceServer(settings) : services.AddFixtureServer(settings);

static void LogToStandardError(ILoggingBuilder logging)
{
    logging.ClearProviders();
    logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    logging.SetMinimumLevel(LogLevel.Information);
    logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
}
