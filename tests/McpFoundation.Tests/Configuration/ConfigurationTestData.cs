using McpFoundation.Configuration;

namespace McpFoundation.Tests.Configuration;

/// <summary>Shared inputs for the configuration tests.</summary>
internal static class ConfigurationTestData
{
    /// <summary>The server configuration file of the seed specification, verbatim.</summary>
    public const string SeedExample = """
        {
          "servers": {
            "file_operations": {
              "transport": "stdio",
              "command": ["python", "-m", "file_server"],
              "security_profile": {
                "risk_level": "medium",
                "max_concurrent_operations": 5,
                "allowed_file_extensions": [".txt", ".json", ".py"]
              }
            },
            "web_api": {
              "transport": "http",
              "url": "https://api.example.com/mcp",
              "security_profile": {
                "risk_level": "high",
                "rate_limit": 100,
                "require_authentication": true
              }
            }
          }
        }
        """;

    public static IReadOnlyDictionary<string, string?> NoEnvironment { get; } = new Dictionary<string, string?>();

    public static IReadOnlyDictionary<string, string?> Environment(params (string Name, string? Value)[] variables) =>
        variables.ToDictionary(variable => variable.Name, variable => variable.Value, StringComparer.Ordinal);

    public static ConfigurationLoadResult Parse(string json, IReadOnlyDictionary<string, string?>? environment = null) =>
        GatewayConfigurationLoader.Parse(json, environment ?? NoEnvironment);

    /// <summary>Wraps one server body in a <c>servers</c> document under the name <paramref name="name"/>.</summary>
    public static string OneServer(string body, string name = "srv") => $$"""{ "servers": { "{{name}}": {{body}} } }""";

    public static string[] Paths(IEnumerable<ConfigurationError> errors) => [.. errors.Select(error => error.Path)];

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "McpFoundation.slnx")))
        {
            directory = directory.Parent;
        }

        if (directory is not null)
        {
            return directory.FullName;
        }

        // Built outside the repository (e.g. a scratch project): fall back to the directory this source file was compiled from.
        var fromSource = new DirectoryInfo(Path.GetDirectoryName(SourceFile())!);
        while (fromSource is not null && !File.Exists(Path.Combine(fromSource.FullName, "McpFoundation.slnx")))
        {
            fromSource = fromSource.Parent;
        }

        return fromSource?.FullName ?? throw new InvalidOperationException("McpFoundation.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
