using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The samples work wherever they are copied and whichever directory the gateway starts from: a stdio server starts
/// in the configuration file's directory, so the filesystem server's <c>./data</c> is the data directory next to the
/// file. The copies run the npm packages installed in tests/npm instead of fetching them with npx (no network).
/// </summary>
[Trait("Category", "Integration")]
public sealed class SampleCopyTests : IDisposable
{
    private static readonly TimeSpan VerbTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-sample-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("gateway.json")]
    [InlineData("claude_desktop_config.json")]
    public async Task ServersList_SampleCopiedElsewhere_FilesystemServerConnectsToTheCopysData(string sample)
    {
        // Arrange: the sample and its data in a temp directory; the gateway starts in another, unrelated one.
        string copy = Path.Combine(_directory, "copy");
        string unrelated = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        string config = CopySample(sample, copy);

        // Act
        (int listExit, string list, string listErrors) = await McpfAsync(unrelated, "servers", "list", "--json", "--config", config);
        (int callExit, string call, string callErrors) = await McpfAsync(unrelated, "call", "filesystem__list_allowed_directories", "--config", config);

        // Assert
        Assert.True(listExit == 0, listErrors);
        using JsonDocument servers = JsonDocument.Parse(list);
        Assert.All(servers.RootElement.EnumerateArray(), server => Assert.Equal("Connected", server.GetProperty("state").GetString()));
        Assert.Contains(servers.RootElement.EnumerateArray(), server => server.GetProperty("id").GetString() == "filesystem");
        Assert.True(callExit == 0, callErrors);
        Assert.Contains(Path.Combine(copy, "data"), call, StringComparison.Ordinal);
    }

    /// <summary>Copies samples/SAMPLE and samples/data into <paramref name="target"/>, with each npx command replaced by node and the installed package.</summary>
    private static string CopySample(string sample, string target)
    {
        string samples = Path.Combine(InteropPaths.RepositoryRoot, "samples");
        Directory.CreateDirectory(Path.Combine(target, "data"));
        foreach (string file in Directory.GetFiles(Path.Combine(samples, "data")))
        {
            File.Copy(file, Path.Combine(target, "data", Path.GetFileName(file)));
        }

        string text = File.ReadAllText(Path.Combine(samples, sample));
        string modules = Path.Combine(InteropPaths.NpmTools, "node_modules", "@modelcontextprotocol");
        foreach ((string package, string entry) in new[] { ("server-everything", InteropPaths.ServerEverything), ("server-filesystem", Path.Combine(modules, "server-filesystem", "dist", "index.js")) })
        {
            string npx = $"\"npx\", \"-y\", \"@modelcontextprotocol/{package}@2026.8.31\"";
            string node = $"{JsonSerializer.Serialize(InteropPaths.Node22)}, {JsonSerializer.Serialize(entry)}";
            if (text.Contains($"\"command\": [{npx},", StringComparison.Ordinal))
            {
                text = text.Replace($"\"command\": [{npx},", $"\"command\": [{node},", StringComparison.Ordinal);
            }
            else
            {
                // Claude Desktop form: "command": "npx", "args": ["-y", "@modelcontextprotocol/...", ...].
                string args = $"\"command\": \"npx\",\n      \"args\": [\"-y\", \"@modelcontextprotocol/{package}@2026.8.31\",";
                Assert.Contains(args, text, StringComparison.Ordinal);
                text = text.Replace(args, $"\"command\": {JsonSerializer.Serialize(InteropPaths.Node22)},\n      \"args\": [{JsonSerializer.Serialize(entry)},", StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain("npx", text, StringComparison.Ordinal);
        string path = Path.Combine(target, sample);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> McpfAsync(string workingDirectory, params string[] arguments)
    {
        await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, .. arguments], workingDirectory: workingDirectory);
        int exitCode = await mcpf.WaitForExitAsync(VerbTimeout);
        return (exitCode, mcpf.StandardOutput, mcpf.StandardError);
    }
}
