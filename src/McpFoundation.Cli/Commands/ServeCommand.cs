using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using McpFoundation.AspNetCore;
using McpFoundation.Cli.Logging;
using McpFoundation.Configuration;
using McpFoundation.Front;
using McpFoundation.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf serve</c>: runs the gateway for MCP clients over stdio or Streamable HTTP.</summary>
internal static class ServeCommand
{
    public const string DefaultHttpUrl = "http://127.0.0.1:8080";

    public static Command Create()
    {
        Option<string> configOption = CommonOptions.Config();
        var stdioOption = new Option<bool>("--stdio") { Description = "Serve one client on stdin/stdout (the default; what Claude Desktop and VS Code start)." };
        var httpOption = new Option<string?>("--http")
        {
            Description = $"Serve Streamable HTTP at this URL (default {DefaultHttpUrl}; the path defaults to /mcp). Use port 0 for any free port.",
            HelpName = "URL",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var hostOption = new Option<string[]>("--allowed-host") { Description = "A Host name clients may use besides the loopback names (repeatable).", HelpName = "HOST", AllowMultipleArgumentsPerToken = false };
        var originOption = new Option<string[]>("--allowed-origin") { Description = "A browser Origin allowed to call the endpoint besides loopback origins (repeatable).", HelpName = "ORIGIN" };
        var ioOption = new Option<IoScheduling>("--io")
        {
            Description = "With --http: handle requests inline on the socket threads (default; lowest latency) or on the thread pool (docs/PERFORMANCE.md).",
            HelpName = "inline|pool",
            DefaultValueFactory = static _ => IoScheduling.Inline,
        };

        var noopFiltersOption = new Option<int>("--noop-filters")
        {
            Description = "Install N pipeline filters that allow everything: measures what the seam costs with filters (docs/PERFORMANCE.md).",
            HelpName = "N",
            DefaultValueFactory = static _ => 0,
        };
        var undeclaredNoopFiltersOption = new Option<int>("--undeclared-noop-filters")
        {
            Description = "Like --noop-filters, but the filters do not promise non-blocking completions (as a third-party filter): the gateway moves off a stdio reader thread before telling them the outcome.",
            HelpName = "N",
            DefaultValueFactory = static _ => 0,
        };
        foreach (Option<int> count in new[] { noopFiltersOption, undeclaredNoopFiltersOption })
        {
            count.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() is < 0 or > 64)
                {
                    result.AddError($"{count.Name} takes a number from 0 to 64.");
                }
            });
        }

        var serve = new Command("serve", "Run the gateway: one MCP endpoint in front of every configured server.")
        {
            configOption,
            stdioOption,
            httpOption,
            hostOption,
            originOption,
            ioOption,
            noopFiltersOption,
            undeclaredNoopFiltersOption,
        };
        serve.Validators.Add(result =>
        {
            if (result.GetResult(stdioOption) is { Implicit: false } && result.GetResult(httpOption) is { Implicit: false })
            {
                result.AddError("Choose one of --stdio and --http, not both.");
            }
        });
        serve.SetAction(async (parseResult, cancellationToken) =>
        {
            GatewayConfiguration? configuration = CommonOptions.LoadConfiguration(parseResult.GetValue(configOption)!, Console.Error);
            if (configuration is null)
            {
                return ExitCodes.BadInput;
            }

            if (parseResult.GetResult(httpOption) is { Implicit: false })
            {
                string url = parseResult.GetValue(httpOption) ?? DefaultHttpUrl;
                var http = new HttpServeOptions(url, parseResult.GetValue(hostOption) ?? [], parseResult.GetValue(originOption) ?? [], parseResult.GetValue(ioOption));
                return await ServeHttpAsync(configuration, http, (parseResult.GetValue(noopFiltersOption), parseResult.GetValue(undeclaredNoopFiltersOption)), cancellationToken);
            }

            return await ServeStdioAsync(configuration, (parseResult.GetValue(noopFiltersOption), parseResult.GetValue(undeclaredNoopFiltersOption)), cancellationToken);
        });
        return serve;
    }

    private static async Task<int> ServeStdioAsync(GatewayConfiguration configuration, (int Declared, int Undeclared) noopFilters, CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        ConfigureLogging(builder.Logging, configuration);
        builder.Services.AddMcpFoundation(o =>
        {
            o.Configuration = configuration;
            o.WatchConfigurationFile = true;
            o.ListenForEmergencySignal = true;
        }).AddNoopFilters(noopFilters.Declared, noopFilters.Undeclared);
        builder.Services.AddMcpFoundationTelemetry(configuration.Telemetry); // OTLP only: /metrics needs the HTTP front
        using IHost host = builder.Build();
        if (!await TryStartAsync(host, cancellationToken))
        {
            return ExitCodes.BadInput;
        }

        try
        {
            await StdioFront.RunAsync(host.Services, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> ServeHttpAsync(GatewayConfiguration configuration, HttpServeOptions http, (int Declared, int Undeclared) noopFilters, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(http.Url, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            await Console.Error.WriteLineAsync($"--http must be an absolute http URL such as {DefaultHttpUrl}/mcp, not '{http.Url}'. (HTTPS termination is planned; until then put a TLS proxy in front.)");
            return ExitCodes.BadInput;
        }

        string path = uri.AbsolutePath is "" or "/" ? "/mcp" : uri.AbsolutePath.TrimEnd('/');
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(); // UseUrls below writes a setting, which needs at least one source
        ConfigureLogging(builder.Logging, configuration);
        builder.WebHost.UseUrls($"{uri.Scheme}://{uri.Authority}");
        if (http.Io == IoScheduling.Inline)
        {
            builder.WebHost.UseMcpFoundationInlineIo();
        }

        builder.Services.AddMcpFoundation(o =>
        {
            o.Configuration = configuration;
            o.WatchConfigurationFile = true;
            o.ListenForEmergencySignal = true;
        }).AddNoopFilters(noopFilters.Declared, noopFilters.Undeclared);
        builder.Services.AddMcpFoundationHttpTelemetry(configuration.Telemetry);
        builder.Services.AddMcpFoundationHttp(o =>
        {
            o.EndpointPath = path;
            if (!IsLoopbackHost(uri.Host))
            {
                o.AllowedHosts.Add(uri.Host);
            }

            foreach (string host in http.AllowedHosts)
            {
                o.AllowedHosts.Add(host);
            }

            foreach (string origin in http.AllowedOrigins)
            {
                o.AllowedOrigins.Add(origin);
            }
        });

        await using WebApplication app = builder.Build();
        app.MapMcpFoundation();

        // Kestrel binds before the servers start (GatewayHostedService starts them once the host has started), so a
        // busy port ends here, before any server process is spawned.
        try
        {
            if (!await TryStartAsync(app, cancellationToken))
            {
                return ExitCodes.BadInput;
            }
        }
        catch (Exception ex) when (ex is SocketException || (ex is IOException && (ex.InnerException is AddressInUseException || ex.Message.StartsWith("Failed to bind", StringComparison.Ordinal))))
        {
            await Console.Error.WriteLineAsync(DescribeBindFailure(uri, ex));
            return ExitCodes.BadInput;
        }

        foreach (string address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            await Console.Error.WriteLineAsync($"mcpf: listening on {address}{path}");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Success;
    }

    private static async Task<bool> TryStartAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken);
            return true;
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return false;
        }
        finally
        {
            StartupLogs.Starting = false;
        }
    }

    /// <summary>The one line for a port the front could not listen on: in use, or an address not on this machine.</summary>
    internal static string DescribeBindFailure(Uri uri, Exception ex)
    {
        string host = uri.Host.Trim('[', ']');
        string port = uri.Port.ToString(CultureInfo.InvariantCulture);
        string hint = $"pick another with --http http://127.0.0.1:PORT{(uri.AbsolutePath is "" or "/" ? "/mcp" : uri.AbsolutePath)}";
        if (ex.InnerException is AddressInUseException)
        {
            return $"mcpf: port {port} on {host} is in use; {hint} (port 0 takes any free one), or stop what listens there";
        }

        Exception cause = ex;
        while (cause.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        string reason = cause is SocketException socket ? socket.Message : cause.Message;
        return $"mcpf: cannot listen on {host} port {port} ({reason.TrimEnd('.')}); use an address of this machine (127.0.0.1 for local clients) and a free port, e.g. --http http://127.0.0.1:8080/mcp";
    }

    private static void ConfigureLogging(ILoggingBuilder logging, GatewayConfiguration configuration)
    {
        // stdout belongs to the MCP protocol when serving stdio: every log line goes to stderr.
        logging.ClearProviders();
        logging.SetMinimumLevel(configuration.Settings.LogLevel);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);

        // While the host starts, its and Kestrel's errors are the start failure (a port in use, a namespace collision),
        // which the verb reports itself in one line instead of a logged stack trace.
        LogLevel least = configuration.Settings.LogLevel;
        logging.AddFilter("Microsoft.Extensions.Hosting", level => level >= least && !(StartupLogs.Starting && level >= LogLevel.Error));
        logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", level => level >= LogLevel.Warning && level >= least && !(StartupLogs.Starting && level >= LogLevel.Error));

        // ASP.NET Core starts an Activity and a logging scope for every request whenever this category is enabled at
        // any level: measurable per call (docs/PERFORMANCE.md). What it logs per request is Information, below the
        // Warning set above, so once the host has started it is switched off (its start-up messages still come
        // through), unless the gateway logs at Debug or exports traces: that Activity carries a client's traceparent
        // header, which the gateway's spans continue.
        bool keepRequestActivity = least <= LogLevel.Debug || configuration.Telemetry.OtlpEndpoint is not null;
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", level => level >= LogLevel.Warning && level >= least && (keepRequestActivity || StartupLogs.Starting));

        // The SDK narrates every connection at Information; keep it for debugging sessions only.
        logging.AddFilter("ModelContextProtocol", configuration.Settings.LogLevel <= LogLevel.Debug ? configuration.Settings.LogLevel : LogLevel.Warning);
        logging.AddMcpfConsole(configuration.Settings.LogLevel, configuration.Telemetry.LogFormat);
    }

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));

    /// <summary>Whether the host is still starting: see <see cref="ConfigureLogging"/>.</summary>
    private static class StartupLogs
    {
        private static volatile bool _starting = true;

        public static bool Starting
        {
            get => _starting;
            set => _starting = value;
        }
    }

    private sealed record HttpServeOptions(string Url, string[] AllowedHosts, string[] AllowedOrigins, IoScheduling Io);
}

/// <summary>Where <c>mcpf serve --http</c> handles requests (<c>--io</c>).</summary>
internal enum IoScheduling
{
    /// <summary>On the threads that read the sockets, with no hand-off (the default).</summary>
    Inline,

    /// <summary>On the thread pool, as ASP.NET Core does by default.</summary>
    Pool,
}
