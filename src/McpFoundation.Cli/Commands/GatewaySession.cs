using System.CommandLine;
using McpFoundation.Cli.Logging;
using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Cli.Commands;

/// <summary>Starts the gateway in-process for a one-shot verb (servers list, tools list, call), logging warnings to stderr.</summary>
internal static class GatewaySession
{
    /// <summary>
    /// Makes a <c>list</c> verb (with <c>--config</c> and <c>--json</c>) whose action runs on a started gateway;
    /// an invalid configuration exits 2 before <paramref name="run"/> is called.
    /// </summary>
    public static Command CreateListCommand(string description, Func<McpSecurityIntegration, bool, CancellationToken, Task<int>> run) =>
        CreateListCommand(description, (gateway, json, _, cancellationToken) => run(gateway, json, cancellationToken));

    /// <summary>Makes a <c>list</c> verb whose action also reads options the caller adds to it (from the parse result).</summary>
    public static Command CreateListCommand(string description, Func<McpSecurityIntegration, bool, ParseResult, CancellationToken, Task<int>> run)
    {
        Option<string> configOption = CommonOptions.Config();
        Option<bool> jsonOption = CommonOptions.Json();
        var list = new Command("list", description)
        {
            configOption,
            jsonOption,
        };
        list.SetAction(async (parseResult, cancellationToken) =>
        {
            await using McpSecurityIntegration? gateway = await StartAsync(parseResult.GetValue(configOption)!, cancellationToken);
            return gateway is null ? ExitCodes.BadInput : await run(gateway, parseResult.GetValue(jsonOption), parseResult, cancellationToken);
        });
        return list;
    }

    public static async Task<McpSecurityIntegration?> StartAsync(string configPath, CancellationToken cancellationToken)
    {
        GatewayConfiguration? configuration = CommonOptions.LoadConfiguration(configPath, Console.Error);
        if (configuration is null)
        {
            return null;
        }

        ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(configuration.Settings.LogLevel > LogLevel.Warning ? configuration.Settings.LogLevel : LogLevel.Warning)
            .AddMcpfConsole(configuration.Settings.LogLevel));
        McpSecurityIntegration gateway = McpSecurityIntegration.Create(configuration, loggerFactory);
        try
        {
            await gateway.InitializeAsync(cancellationToken);
            return gateway;
        }
        catch (ConfigurationException ex)
        {
            await gateway.DisposeAsync();
            await Console.Error.WriteLineAsync(ex.Message);
            return null;
        }
    }
}
