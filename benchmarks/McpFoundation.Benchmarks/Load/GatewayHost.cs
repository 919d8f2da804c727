using McpFoundation.AspNetCore;
using McpFoundation.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Benchmarks.Load;

/// <summary>
/// <c>gateway-host --config F --http URL</c>: the gateway's HTTP front hosted the way <c>mcpf serve --http</c> hosts it
/// (<c>AddMcpFoundation</c> + <c>AddMcpFoundationHttp</c> + <c>MapMcpFoundation</c> on a slim web application), in a
/// process of its own. The load benchmark uses it when <c>mcpf serve --http</c> cannot start, and on request
/// (<c>--gateway-host bench</c>). It prints the same "mcpf: listening on URL" line, and exits when its stdin closes.
/// </summary>
internal static class GatewayHost
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string? configPath = null;
        string url = "http://127.0.0.1:0";
        for (int i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--config":
                    configPath = args[i + 1];
                    break;
                case "--http":
                    url = args[i + 1];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"gateway-host: unknown option '{args[i]}'.");
                    return 2;
            }
        }

        if (configPath is null)
        {
            await Console.Error.WriteLineAsync("usage: gateway-host --config FILE [--http http://127.0.0.1:0]");
            return 2;
        }

        GatewayConfiguration configuration = GatewayConfigurationLoader.LoadOrThrow(configPath, GatewayConfigurationLoader.ProcessEnvironment());
        var uri = new Uri(url);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(configuration.Settings.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.UseUrls($"{uri.Scheme}://{uri.Authority}");
        builder.Services.AddMcpFoundation(o => o.Configuration = configuration);
        builder.Services.AddMcpFoundationHttp(o => o.EndpointPath = "/mcp");

        await using WebApplication app = builder.Build();
        app.MapMcpFoundation();
        await app.StartAsync();
        foreach (string address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            await Console.Error.WriteLineAsync($"mcpf: listening on {address}/mcp");
        }

        // The benchmark holds our stdin: when it goes away, so do we (and the gateway stops its stdio servers).
        IHostApplicationLifetime lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync() is not null)
            {
            }

            lifetime.StopApplication();
        });

        await app.WaitForShutdownAsync();
        return 0;
    }
}
