using System.CommandLine;
using McpFoundation.Configuration;

namespace McpFoundation.Cli.Commands;

/// <summary>Options shared by the verbs, and loading the configuration they name.</summary>
internal static class CommonOptions
{
    public const string ConfigEnvironmentVariable = "MCPF_CONFIG";

    public static Option<string> Config() => new("--config", "-c")
    {
        Description = $"The configuration file (seed format or Claude Desktop's mcpServers). Defaults to ${ConfigEnvironmentVariable}, then ./mcpf.json.",
        HelpName = "FILE",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ConfigEnvironmentVariable) is { Length: > 0 } path ? path : "mcpf.json",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of a table." };

    /// <summary>Loads and validates the configuration; prints every error to stderr and returns null if it is invalid.</summary>
    public static GatewayConfiguration? LoadConfiguration(string path, TextWriter error)
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.LoadFile(path, GatewayConfigurationLoader.ProcessEnvironment());
        foreach (ConfigurationError warning in result.Warnings)
        {
            error.WriteLine($"warning: {warning}");
        }

        if (!result.IsValid || result.Configuration is null)
        {
            error.WriteLine($"{path}: {result.Errors.Count} configuration error(s):");
            foreach (ConfigurationError problem in result.Errors)
            {
                error.WriteLine($"  {problem}");
            }

            return null;
        }

        return result.Configuration;
    }
}
