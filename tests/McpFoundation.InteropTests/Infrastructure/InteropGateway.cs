using System.Text.Json;

namespace McpFoundation.InteropTests.Infrastructure;

/// <summary>
/// The gateway under test: a temp configuration with two stdio downstreams, server-everything
/// (<c>everything__*</c>) and our fixture server (<c>fixture__*</c>), plus the command lines that run
/// <c>mcpf serve</c> on it. <see cref="InitializeAsync"/> also starts one <c>mcpf serve --http</c>, shared by the test collection.
/// </summary>
public sealed class InteropGateway : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-interop-").FullName;
    private ChildProcess? _http;

    public string ConfigPath { get; private set; } = "";

    /// <summary>A HOME for the Inspector CLI (it writes ~/.mcp-inspector/), so the tests leave the real one alone.</summary>
    public string InspectorHome => Path.Combine(_directory, "home");

    /// <summary>The Streamable HTTP endpoint of the shared <c>mcpf serve --http</c> process.</summary>
    public Uri HttpUrl { get; private set; } = null!;

    internal ChildProcess HttpProcess => _http ?? throw new InvalidOperationException("The HTTP gateway is not running.");

    /// <summary><c>dotnet mcpf.dll serve --config F --stdio</c>, for a client that launches the gateway itself.</summary>
    public IReadOnlyList<string> StdioCommand => ["dotnet", InteropPaths.McpfDll, "serve", "--config", ConfigPath, "--stdio"];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(InspectorHome);
        ConfigPath = Path.Combine(_directory, "gateway.json");
        var config = new Dictionary<string, object>
        {
            ["servers"] = new Dictionary<string, object>
            {
                ["everything"] = new Dictionary<string, object>
                {
                    ["transport"] = "stdio",
                    ["command"] = new[] { InteropPaths.Node22, InteropPaths.ServerEverything, "stdio" },
                },
                ["fixture"] = new Dictionary<string, object>
                {
                    ["transport"] = "stdio",
                    ["command"] = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio" },
                },
            },
        };
        await File.WriteAllTextAsync(ConfigPath, JsonSerializer.Serialize(config));

        _http = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", ConfigPath, "--http", "http://127.0.0.1:0"]);
        var listening = await _http.WaitForLineAsync(@"^mcpf: listening on (http://\S+)$", StartTimeout);
        HttpUrl = new Uri(listening.Groups[1].Value);
    }

    public async Task DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InteropTestGroup : ICollectionFixture<InteropGateway>
{
    public const string Name = "Interop (real mcpf process)";
}
