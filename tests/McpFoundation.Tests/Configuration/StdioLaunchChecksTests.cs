using System.Runtime.Versioning;
using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
[UnsupportedOSPlatform("windows")]
public sealed class StdioLaunchChecksTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-launch-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Find_CommandOnPathAndCwdExists_ReportsNothing()
    {
        string bin = Executable("bin", "server");
        GatewayConfiguration configuration = Load($$"""{ "servers": { "a": { "command": ["server"], "cwd": "{{_directory}}" } } }""");

        Assert.Empty(StdioLaunchChecks.Find(configuration, bin, _directory));
    }

    [Fact]
    public void Find_CommandNotOnPath_WarnsNamingItAndThePath()
    {
        string bin = Executable("bin", "other");
        GatewayConfiguration configuration = Load("""{ "servers": { "a": { "command": ["no-such-server", "--stdio"] } } }""");

        ConfigurationError warning = Assert.Single(StdioLaunchChecks.Find(configuration, bin, _directory));

        Assert.Equal("servers.a.command[0]", warning.Path);
        Assert.Equal($"'no-such-server' is not found on PATH; install it, or write the full path of the program (PATH is {bin})", warning.Message);
    }

    [Fact]
    public void Find_CommandNotExecutable_WarnsHowToStartIt()
    {
        string script = Path.Combine(_directory, "server.js");
        File.WriteAllText(script, "");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        GatewayConfiguration configuration = Load($$"""{ "servers": { "a": { "command": ["{{script}}"] } } }""");

        ConfigurationError warning = Assert.Single(StdioLaunchChecks.Find(configuration, "", _directory));

        Assert.Equal("servers.a.command[0]", warning.Path);
        Assert.StartsWith($"'{script}' is not executable; make it executable (chmod +x)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_AbsoluteCommandMissing_WarnsThatItDoesNotExist()
    {
        GatewayConfiguration configuration = Load("""{ "servers": { "a": { "command": ["/no/such/server"] } } }""");

        ConfigurationError warning = Assert.Single(StdioLaunchChecks.Find(configuration, "", _directory));

        Assert.Equal("'/no/such/server' does not exist; correct the path or write the full path of the program", warning.Message);
    }

    [Fact]
    public void Find_RelativeCwdMissing_ResolvesAgainstTheConfigurationFilesDirectory()
    {
        string bin = Executable("bin", "server");
        Directory.CreateDirectory(Path.Combine(_directory, "exists"));
        GatewayConfiguration configuration = Load("""{ "servers": { "ok": { "command": ["server"], "cwd": "exists" }, "bad": { "command": ["server"], "cwd": "missing/dir" } } }""");

        // The current directory has neither: only the file's directory counts.
        ConfigurationError warning = Assert.Single(StdioLaunchChecks.Find(configuration, bin, "/"));

        Assert.Equal("servers.bad.cwd", warning.Path);
        Assert.Equal(
            $"directory '{Path.Combine(_directory, "missing", "dir")}' does not exist (a relative cwd is resolved against the configuration file's directory, {_directory}); create it or correct the path",
            warning.Message);
    }

    [Fact]
    public void Find_DisabledOrHttpServers_AreNotChecked()
    {
        GatewayConfiguration configuration = Load("""
            { "servers": {
                "off": { "command": ["no-such-server"], "cwd": "/no/such/dir", "enabled": false },
                "web": { "transport": "http", "url": "https://example.com/mcp" } } }
            """);

        Assert.Empty(StdioLaunchChecks.Find(configuration, "", _directory));
    }

    private string Executable(string directory, string name)
    {
        string bin = Path.Combine(_directory, directory);
        Directory.CreateDirectory(bin);
        string path = Path.Combine(bin, name);
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    private GatewayConfiguration Load(string json)
    {
        string path = Path.Combine(_directory, "mcpf.json");
        File.WriteAllText(path, json);
        ConfigurationLoadResult result = GatewayConfigurationLoader.LoadFile(path, NoEnvironment);
        return result.Configuration ?? throw new InvalidOperationException(string.Join("\n", result.Errors));
    }
}
