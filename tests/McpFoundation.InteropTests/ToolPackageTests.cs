using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// <c>mcpf</c> installs as a .NET tool from a locally built package (README): the built CLI is packed, installed into
/// a temp tool path from that directory alone (a nuget.config that lists only it, so no feed is needed), and run.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ToolPackageTests : IDisposable
{
    private const string PackageId = "McpFoundation.Cli";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-tool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ToolInstall_FromLocalPackage_RunsHelpAndConfigCheck()
    {
        // Arrange: pack what the test run built (same Configuration), install it from that directory only.
        string packages = Path.Combine(_directory, "packages");
        string tools = Path.Combine(_directory, "tools");
        string nugetConfig = Path.Combine(_directory, "nuget.config");
        await File.WriteAllTextAsync(nugetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        await RunAsync("dotnet", "pack", Path.Combine(InteropPaths.RepositoryRoot, "src", "McpFoundation.Cli"), "-c", InteropPaths.Configuration, "--no-build", "--no-restore", "-o", packages);
        Assert.Single(Directory.GetFiles(packages, $"{PackageId}.*.nupkg"));

        // Act
        string install = await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--configfile", nugetConfig, PackageId);
        string mcpf = Path.Combine(tools, OperatingSystem.IsWindows() ? "mcpf.exe" : "mcpf");
        string help = await RunAsync(mcpf, "--help");
        string check = await RunAsync(mcpf, "config", "check", "--config", "samples/gateway.json");

        // Assert
        Assert.Contains("mcpf", install, StringComparison.Ordinal);
        Assert.Contains("Usage:", help, StringComparison.Ordinal);
        Assert.Contains("serve", help, StringComparison.Ordinal);
        Assert.Contains("OK (2 server(s)", check, StringComparison.Ordinal);
    }

    /// <summary>Runs a command from the repository root; fails with its output unless it exits 0. Returns stdout.</summary>
    private async Task<string> RunAsync(string fileName, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            // Keep the first-run banner and telemetry prompt out of the output, and the CLI's own state in the temp dir.
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["NUGET_PACKAGES"] = Path.Combine(_directory, "nuget-cache"),
        };
        await using ChildProcess process = ChildProcess.Start(fileName, arguments, environment);
        int exitCode = await process.WaitForExitAsync(StepTimeout);
        Assert.True(exitCode == 0, $"`{process.Description}` exited {exitCode}\nstdout:\n{process.StandardOutput}\nstderr:\n{process.StandardError}");
        return process.StandardOutput;
    }
}
