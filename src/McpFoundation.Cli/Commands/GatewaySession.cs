using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Cli.Commands;

/// <summary>Starts the gateway in-process for a one-shot verb (servers list, tools list, call), logging warnings to stderr.</summary>
internal static class GatewaySession
{
    public static async Task<McpSecurityIntegration?> StartAsync(string configPath, CancellationToken cancellationToken)
    {
        GatewayConfiguration? configuration = CommonOptions.LoadConfiguration(configPath, Console.Error);
        if (configuration is null)
        {
            return null;
        }

        ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(configuration.Settings.LogLevel > LogLevel.Warning ? configuration.Settings.LogLevel : LogLevel.Warning)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
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
