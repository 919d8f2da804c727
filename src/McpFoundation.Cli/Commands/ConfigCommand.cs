using System.CommandLine;
using McpFoundation.Configuration;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf config check</c> validates a configuration file and reports every error; <c>mcpf config schema</c> prints the file's JSON Schema.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Command("config", "Work with configuration files.");
        config.Subcommands.Add(CreateCheck());
        config.Subcommands.Add(CreateSchema());
        return config;
    }

    private static Command CreateCheck()
    {
        Option<string> configOption = CommonOptions.Config();
        var check = new Command("check", "Validate a configuration file and the MCP_* variables; print every error with its JSON path. Exits 2 if there is any error. Fields that are accepted but not enforced yet, and stdio commands or working directories that are not found, are warnings.")
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

            foreach (ConfigurationError notice in NotEnforcedSettings.Find(configuration))
            {
                Console.Error.WriteLine($"warning: {NotEnforcedSettings.Format(notice)}");
            }

            foreach (ConfigurationError problem in StdioLaunchChecks.Find(configuration))
            {
                Console.Error.WriteLine($"warning: {problem}");
            }

            int enabled = configuration.Servers.Values.Count(s => s.Enabled);
            Console.Out.WriteLine($"{path}: OK ({configuration.Servers.Count} server(s), {enabled} enabled, namespacing {configuration.Namespacing.ToString().ToLowerInvariant()}).");
            return ExitCodes.Success;
        });
        return check;
    }

    private static Command CreateSchema()
    {
        var schema = new Command("schema", "Print the JSON Schema (draft 2020-12) of the configuration file, for editors (docs/mcpf.schema.json is a copy). Exits 0.");
        schema.SetAction(_ =>
        {
            Console.Out.Write(GatewayConfigurationSchema.ToJsonString());
            return ExitCodes.Success;
        });
        return schema;
    }
}
