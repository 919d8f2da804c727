using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// <c>mcpf serve</c> reloads its configuration file when the file changes and on SIGHUP: servers added to the file
/// start, removed ones stop, and a file that does not load is reported with its JSON path while the running
/// configuration stays.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConfigurationReloadTests
{
    [Fact]
    public async Task Serve_ReloadsItsFile_OnChangeAndOnSighup_AndKeepsRunningOnABadEdit()
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-reload-").FullName;
        string config = Path.Combine(directory, "gateway.json");
        try
        {
            await WriteServersAsync(config, "alpha");
            await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", config, "--http", "http://127.0.0.1:0"]);
            await mcpf.WaitForLineAsync("Server alpha is now Connected", InteropGateway.StartTimeout);

            await WriteServersAsync(config, "alpha", "beta");
            await mcpf.WaitForLineAsync("Configuration reloaded from .*gateway.json: servers added: beta$", InteropGateway.StartTimeout);
            await mcpf.WaitForLineAsync("Server beta is now Connected", InteropGateway.StartTimeout);

            await File.WriteAllTextAsync(config, """{ "servers": { "alpha": { "command": 5 } } }""");
            await mcpf.WaitForLineAsync("not reloaded, the running configuration stays: servers.alpha.command", InteropGateway.StartTimeout);
            Assert.False(mcpf.HasExited);

            // A change the watcher may or may not see before the signal: either way the signal reloads once more.
            await WriteServersAsync(config, "beta");
            await mcpf.WaitForLineAsync("Configuration reloaded from .*gateway.json: removed: alpha$", InteropGateway.StartTimeout);
            using (Process hangup = Process.Start("kill", ["-HUP", mcpf.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await hangup.WaitForExitAsync();
            }

            await mcpf.WaitForLineAsync("Configuration reloaded from .*gateway.json: no server changed$", InteropGateway.StartTimeout);
            Assert.False(mcpf.HasExited, "SIGHUP must reload, not end the gateway");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Task WriteServersAsync(string path, params string[] names) =>
        File.WriteAllTextAsync(path, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["servers"] = names.ToDictionary(n => n, _ => (object)new { command = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio" } }),
        }));
}
