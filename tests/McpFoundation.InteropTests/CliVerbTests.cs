using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The one-shot verbs of the real <c>mcpf</c> executable: what they print and the exit codes of docs/cli.md
/// (0 success, 1 the operation failed, 2 bad input), against the collection's configuration (server-everything and
/// the fixture over stdio).
/// </summary>
[Collection(InteropTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class CliVerbTests(InteropGateway gateway)
{
    private static readonly TimeSpan VerbTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ConfigCheck_SampleConfiguration_ExitsZero()
    {
        (int exitCode, string stdout, string stderr) = await McpfAsync("config", "check", "--config", Path.Combine(InteropPaths.RepositoryRoot, "samples", "gateway.json"));

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("OK (2 server(s)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_SampleConfiguration_WarnsOnlyThatRiskLevelIsNotEnforced()
    {
        (int exitCode, _, string stderr) = await McpfAsync("config", "check", "--config", Path.Combine(InteropPaths.RepositoryRoot, "samples", "gateway.json"));

        Assert.True(exitCode == 0, stderr);
        Assert.Contains(
            "warning: servers.filesystem.security_profile.risk_level is accepted but not enforced yet (risk scoring is a later release); nothing is scored or refused by it",
            stderr,
            StringComparison.Ordinal);
        Assert.DoesNotContain("servers.filesystem.security_profile.allowed_operations", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("servers.filesystem.security_profile.allowed_file_extensions", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("servers.everything.security_profile", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigSchema_PrintsTheShippedSchemaAndExitsZero()
    {
        (int exitCode, string stdout, string stderr) = await McpfAsync("config", "schema");

        Assert.True(exitCode == 0, stderr);
        string shipped = await File.ReadAllTextAsync(Path.Combine(InteropPaths.RepositoryRoot, "docs", "mcpf.schema.json"));
        Assert.Equal(shipped.ReplaceLineEndings("\n"), stdout.ReplaceLineEndings("\n"));
        using JsonDocument schema = JsonDocument.Parse(stdout);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public async Task ConfigSchema_Help_PrintsUsageAndExitsZero()
    {
        (int exitCode, string stdout, _) = await McpfAsync("config", "schema", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("JSON Schema", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_ThreeMistakes_ExitsTwoListingEveryPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mcpf-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            {
              "namespacing": "sideways",
              "servers": {
                "web": { "transport": "http", "url": "not a url" },
                "local": { "transport": "stdio", "comand": ["node", "server.js"] }
              }
            }
            """);
        try
        {
            (int exitCode, _, string stderr) = await McpfAsync("config", "check", "--config", path);

            Assert.Equal(2, exitCode);
            Assert.Contains("namespacing:", stderr, StringComparison.Ordinal);
            Assert.Contains("servers.web.url:", stderr, StringComparison.Ordinal);
            Assert.Contains("servers.local.comand:", stderr, StringComparison.Ordinal);
            Assert.Contains("did you mean \"command\"", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ToolsList_Json_ListsEveryServersToolsWithTheirOrigin()
    {
        (int exitCode, string stdout, string stderr) = await McpfAsync("tools", "list", "--json", "--config", gateway.ConfigPath);

        Assert.True(exitCode == 0, stderr);
        using JsonDocument tools = JsonDocument.Parse(stdout);
        JsonElement echo = tools.RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "fixture__echo");
        Assert.Equal("fixture", echo.GetProperty("server").GetString());
        Assert.Equal("echo", echo.GetProperty("downstreamName").GetString());
        Assert.Contains(tools.RootElement.EnumerateArray(), t => t.GetProperty("name").GetString() == "everything__get-sum");
    }

    [Fact]
    public async Task ServersList_BothServersConnect_ExitsZero()
    {
        (int exitCode, string stdout, string stderr) = await McpfAsync("servers", "list", "--json", "--config", gateway.ConfigPath);

        Assert.True(exitCode == 0, stderr);
        using JsonDocument servers = JsonDocument.Parse(stdout);
        Assert.Equal(["everything", "fixture"], servers.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.All(servers.RootElement.EnumerateArray(), s => Assert.Equal("Connected", s.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task ServersList_ServerCannotStart_ExitsOneNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mcpf-broken-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "servers": { "broken": { "command": ["/nonexistent/mcp-server"] } } }""");
        try
        {
            (int exitCode, string stdout, string stderr) = await McpfAsync("servers", "list", "--config", path);

            Assert.Equal(1, exitCode);
            Assert.Contains("broken", stdout, StringComparison.Ordinal);
            Assert.Contains("Failed", stdout, StringComparison.Ordinal);
            Assert.Contains("'/nonexistent/mcp-server' was not found", stdout, StringComparison.Ordinal);
            AssertNoStackTrace(stdout + stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ServersList_ServerExitsAtStart_ExitsOneWithExitCodeAndStderrAndNoStackTrace()
    {
        string path = await WriteBoomConfigurationAsync();
        try
        {
            (int exitCode, string stdout, string stderr) = await McpfAsync("servers", "list", "--config", path);

            Assert.Equal(1, exitCode);
            string row = Assert.Single(stdout.Split('\n'), line => line.StartsWith("boom ", StringComparison.Ordinal));
            Assert.Contains("exited with code 3", row, StringComparison.Ordinal);
            Assert.Contains("boom: missing API key", row, StringComparison.Ordinal);
            AssertNoStackTrace(stdout + stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Call_ServerExitedAtStart_ExitsOneWithTheOneLineReasonAndNoStackTrace()
    {
        string path = await WriteBoomConfigurationAsync();
        try
        {
            (int exitCode, string stdout, string stderr) = await McpfAsync("call", "boom__anything", "--config", path);

            Assert.Equal(1, exitCode);
            string error = Assert.Single(stderr.Split('\n'), line => line.StartsWith("error ", StringComparison.Ordinal));
            Assert.StartsWith("error -31001: Server 'boom' is not connected", error, StringComparison.Ordinal);
            Assert.Contains("exited with code 3", error, StringComparison.Ordinal);
            Assert.Contains("boom: missing API key", error, StringComparison.Ordinal);
            AssertNoStackTrace(stdout + stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Call_Echo_PrintsTheToolResultAsJson()
    {
        (int exitCode, string stdout, string stderr) = await McpfAsync("call", "everything__echo", "--args", """{"message":"from the cli"}""", "--user", "alice", "--config", gateway.ConfigPath);

        Assert.True(exitCode == 0, stderr);
        using JsonDocument result = JsonDocument.Parse(stdout);
        Assert.Equal("Echo: from the cli", result.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Call_ToolReportsError_ExitsOne()
    {
        (int exitCode, string stdout, _) = await McpfAsync("call", "fixture__tool_error", "--args", """{"message":"it broke"}""", "--config", gateway.ConfigPath);

        Assert.Equal(1, exitCode);
        using JsonDocument result = JsonDocument.Parse(stdout);
        Assert.True(result.RootElement.GetProperty("isError").GetBoolean());
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("[1,2]", "JSON object")]
    public async Task Call_ArgumentsNotAJsonObject_ExitsTwoSayingWhatToWrite(string args, string expected)
    {
        (int exitCode, _, string stderr) = await McpfAsync("call", "fixture__echo", "--args", args, "--config", gateway.ConfigPath);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_UnknownTool_ExitsTwoWithInvalidParams()
    {
        (int exitCode, _, string stderr) = await McpfAsync("call", "fixture__nope", "--config", gateway.ConfigPath);

        Assert.Equal(2, exitCode);
        Assert.Contains("error -32602: Unknown tool 'fixture__nope'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("servers", "list")]
    [InlineData("tools", "list")]
    [InlineData("call")]
    [InlineData("config", "check")]
    public async Task Help_EveryVerb_PrintsUsageAndExitsZero(params string[] verb)
    {
        (int exitCode, string stdout, _) = await McpfAsync([.. verb, "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("--config", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mcpf: unknown command 'stop'. The commands are: serve, servers, tools, call, config, policy, audit.", "stop", "--help")]
    [InlineData("mcpf: unknown command 'stop'.", "stop")]
    [InlineData("mcpf servers: unknown command 'stop'. The commands are: list.", "servers", "stop")]
    public async Task UnknownCommand_EvenWithHelp_ExitsTwoListingTheCommands(string expected, params string[] arguments)
    {
        (int exitCode, string stdout, string stderr) = await McpfAsync(arguments);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task ConfigCheck_CommandNotOnPathAndCwdMissing_WarnsAndExitsZero()
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-check-").FullName;
        string path = Path.Combine(directory, "mcpf.json");
        await File.WriteAllTextAsync(path, """
            { "servers": { "local": { "command": ["mcpf-no-such-server", "--stdio"], "cwd": "not-here" } } }
            """);
        try
        {
            (int exitCode, string stdout, string stderr) = await McpfAsync("config", "check", "--config", path);

            Assert.True(exitCode == 0, stderr);
            Assert.Contains("OK (1 server(s)", stdout, StringComparison.Ordinal);
            Assert.Contains("warning: servers.local.command[0]: 'mcpf-no-such-server' is not found on PATH; install it, or write the full path", stderr, StringComparison.Ordinal);
            Assert.Contains(
                $"warning: servers.local.cwd: directory '{Path.Combine(directory, "not-here")}' does not exist (a relative cwd is resolved against the configuration file's directory, {directory})",
                stderr,
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_StdioAndHttpTogether_ExitsWithUsageError()
    {
        (int exitCode, _, string stderr) = await McpfAsync("serve", "--config", gateway.ConfigPath, "--stdio", "--http");

        Assert.Equal(2, exitCode);
        Assert.Contains("Choose one of --stdio and --http", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'--bogus'", "tools", "list", "--bogus")]
    [InlineData("'sideways'", "serve", "--http", "--io", "sideways")]
    public async Task UnknownOptionOrValue_ExitsTwoNamingIt(string named, params string[] arguments)
    {
        (int exitCode, _, string stderr) = await McpfAsync([.. arguments, "--config", gateway.ConfigPath]);

        Assert.Equal(2, exitCode);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(string output) =>
        Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("   at ", StringComparison.Ordinal) || line.TrimStart().StartsWith("at McpFoundation.", StringComparison.Ordinal));

    /// <summary>A server that writes its reason to stderr and exits 3 at start.</summary>
    private static async Task<string> WriteBoomConfigurationAsync()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mcpf-boom-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "servers": { "boom": { "command": ["sh", "-c", "echo boom: missing API key >&2; exit 3"] } } }""");
        return path;
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> McpfAsync(params string[] arguments)
    {
        await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, .. arguments]);
        int exitCode = await mcpf.WaitForExitAsync(VerbTimeout);
        return (exitCode, mcpf.StandardOutput, mcpf.StandardError);
    }
}
