using System.CommandLine;
using McpFoundation.Configuration;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf config check</c>: validates a configuration file and reports every error.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Command("config", "Work with configuration files.");
        Option<string> configOption = CommonOptions.Config();
        var check = new Command("check", "Validate a configuration file and the MCP_* variables; print every error with its JSON path. Exits 2 if there is any error.")
        {
            configOption,
        };
        check.SetAction(parseResult =>
        {
            string path = parseResult.GetValue(configOption)!;
            GatewayConfiguration? configuration = CommonOptions.LoadConfiguration(path, Console.Error);
            if (configuration is null)
            {
                return ExitCodes.BadInput;
            }

            int enabled = configuration.Servers.Values.Count(s => s.Enabled);
            Console.Out.WriteLine($"{path}: OK ({configuration.Servers.Count} server(s), {enabled} enabled, namespacing {configuration.Namespacing.ToString().ToLowerInvariant()}).");
            return ExitCodes.Success;
        });
        config.Subcommands.Add(check);
        return config;
    }
}
