using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The first minutes with the real <c>mcpf</c>: a busy port, an address not on this machine and a server that never
/// answers each end quickly, in one line that says what to do, and start no server they do not need.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StartupFailureTests : IDisposable
{
    private static readonly TimeSpan VerbTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-startup-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Serve_HttpPortInUse_ExitsTwoInOneLineWithoutStartingAServer()
    {
        // Arrange: the port is taken, and the one server would record that it was started.
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        int port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        string startedMarker = Path.Combine(_directory, "started");
        string config = await WriteConfigAsync($$"""{ "servers": { "recorder": { "command": ["sh", "-c", "echo started > '{{startedMarker}}'; exec sleep 300"] } } }""");

        // Act
        (int exitCode, string stdout, string stderr) = await McpfAsync("serve", "--config", config, "--http", $"http://127.0.0.1:{port}/mcp");

        // Assert
        Assert.True(exitCode == 2, $"exit {exitCode}: {stderr}");
        Assert.Contains($"port {port} on 127.0.0.1 is in use; pick another with --http http://127.0.0.1:PORT/mcp", stderr, StringComparison.Ordinal);
        AssertNoStackTrace(stderr);
        Assert.Equal(string.Empty, stdout);
        Assert.False(File.Exists(startedMarker), "the server was started although the front could not listen");
    }

    [Fact]
    public async Task Serve_HttpAddressNotOnThisMachine_ExitsTwoInOneLine()
    {
        // Arrange: 192.0.2.1 is TEST-NET-1 (RFC 5737), never an address of this machine.
        string config = await WriteConfigAsync("""{ "servers": {} }""");

        // Act
        (int exitCode, _, string stderr) = await McpfAsync("serve", "--config", config, "--http", "http://192.0.2.1:8080/mcp");

        // Assert
        Assert.True(exitCode == 2, $"exit {exitCode}: {stderr}");
        Assert.Contains("mcpf: cannot listen on 192.0.2.1 port 8080", stderr, StringComparison.Ordinal);
        Assert.Contains("--http http://127.0.0.1:8080/mcp", stderr, StringComparison.Ordinal);
        AssertNoStackTrace(stderr);
    }

    [Fact]
    public async Task ServersList_SilentServerWithShortConnectTimeout_FailsWithinItNamingTheSetting()
    {
        // Arrange: a process that reads its stdin and never answers (it exits when stdin closes, so the time measured is
        // the connect timeout, not the shutdown grace a child that ignores stdin gets); its call timeout must not stretch the start.
        string config = await WriteConfigAsync("""{ "servers": { "silent": { "command": ["sh", "-c", "exec cat > /dev/null"], "connect_timeout": 2, "timeout": 5 } } }""");
        var watch = Stopwatch.StartNew();

        // Act
        (int exitCode, string stdout, string stderr) = await McpfAsync("servers", "list", "--json", "--config", config);
        watch.Stop();

        // Assert
        Assert.True(exitCode == 1, $"exit {exitCode}: {stderr}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        using JsonDocument servers = JsonDocument.Parse(stdout);
        JsonElement silent = Assert.Single(servers.RootElement.EnumerateArray());
        Assert.Equal("Failed", silent.GetProperty("state").GetString());
        string error = silent.GetProperty("error").GetString()!;
        Assert.Contains("did not finish initializing within 2 s", error, StringComparison.Ordinal);
        Assert.Contains("raise servers.silent.connect_timeout", error, StringComparison.Ordinal);
        Assert.Contains("MCP_CONNECT_TIMEOUT", error, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(string stderr)
    {
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> McpfAsync(params string[] arguments)
    {
        await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, .. arguments]);
        int exitCode = await mcpf.WaitForExitAsync(VerbTimeout);
        return (exitCode, mcpf.StandardOutput, mcpf.StandardError);
    }

    private async Task<string> WriteConfigAsync(string json)
    {
        string path = Path.Combine(_directory, "mcpf.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
