using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// <c>mcpf policy test</c> and <c>mcpf tools list --user</c> through the real executable, on a configuration with a
/// policy and a security profile in front of the fixture: the decision, the deciding rule, the canonical form of a path
/// through a planted symlink, and the exit codes 0 (allow), 1 (deny), 3 (ask).
/// </summary>
[Trait("Category", "Security")]
public sealed class PolicyCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-policy-cli-").FullName;
    private readonly string _config;

    public PolicyCliTests()
    {
        string safe = Path.Combine(_directory, "safe");
        Directory.CreateDirectory(safe);
        File.WriteAllText(Path.Combine(safe, "a.txt"), "a");
        File.CreateSymbolicLink(Path.Combine(safe, "etc_link"), "/etc");
        _config = Path.Combine(_directory, "gateway.json");
        File.WriteAllText(_config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["servers"] = new Dictionary<string, object>
            {
                ["fx"] = new Dictionary<string, object>
                {
                    ["command"] = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio", "--sensitive-tools" },
                    ["security_profile"] = new Dictionary<string, object> { ["allowed_paths"] = new[] { "./safe" } },
                },
            },
            ["policy"] = new Dictionary<string, object>
            {
                ["default"] = "deny",
                ["rules"] = new object[]
                {
                    new Dictionary<string, object> { ["id"] = "read", ["effect"] = "allow", ["tools"] = new[] { "fx__read_file" } },
                    new Dictionary<string, object> { ["id"] = "analysts-add", ["effect"] = "allow", ["tools"] = new[] { "fx__add" }, ["users"] = new[] { "role:analyst" } },
                    new Dictionary<string, object> { ["id"] = "confirm-mail", ["effect"] = "ask", ["tools"] = new[] { "*send*" } },
                },
            },
        }));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PolicyTest_SymlinkOutOfTheAllowedRoot_DeniedWithTheCanonicalPath_Exit1()
    {
        (int exit, string output) = await RunAsync("policy", "test", "--config", _config, "--tool", "fx__read_file", "--args", """{"path":"safe/etc_link/passwd"}""");

        Assert.Equal(1, exit);
        Assert.StartsWith("deny: fx__read_file", output, StringComparison.Ordinal);
        Assert.Contains("decided by: servers.fx.security_profile.allowed_paths", output, StringComparison.Ordinal);
        Assert.Contains("safe/etc_link/passwd → /etc/passwd", output, StringComparison.Ordinal);
        Assert.Contains("error -31041", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyTest_AllowedRead_Exit0_AskRule_Exit3_RoleRule_DependsOnTheRole()
    {
        (int allowed, string allowOutput) = await RunAsync("policy", "test", "--config", _config, "--tool", "fx__read_file", "--args", """{"path":"safe/a.txt"}""");
        (int asked, string askOutput) = await RunAsync("policy", "test", "--config", _config, "--tool", "fx__send_email", "--args", """{"to":"a@example.test","subject":"s","body":"b"}""");
        (int withoutRole, _) = await RunAsync("policy", "test", "--config", _config, "--tool", "fx__add", "--args", """{"a":1,"b":2}""", "--user", "bob");
        (int withRole, string roleJson) = await RunAsync("policy", "test", "--config", _config, "--tool", "fx__add", "--args", """{"a":1,"b":2}""", "--user", "bob", "--role", "analyst", "--json");

        Assert.Equal((0, 3, 1, 0), (allowed, asked, withoutRole, withRole));
        Assert.Contains("decided by: read", allowOutput, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_directory, "safe", "a.txt"), allowOutput, StringComparison.Ordinal);
        Assert.Contains("decided by: confirm-mail", askOutput, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(roleJson);
        Assert.Equal("allow", json.RootElement.GetProperty("effect").GetString());
        Assert.Equal("analysts-add", json.RootElement.GetProperty("rules")[0].GetString());
    }

    [Fact]
    public async Task ToolsList_ForAUser_ShowsOnlyWhatThePolicyLetsThemCall()
    {
        (int exit, string bob) = await RunAsync("tools", "list", "--config", _config, "--user", "bob");
        (_, string analyst) = await RunAsync("tools", "list", "--config", _config, "--user", "bob", "--role", "analyst");
        (_, string everything) = await RunAsync("tools", "list", "--config", _config);

        Assert.Equal(0, exit);
        Assert.Equal(["fx__read_file", "fx__send_email"], Names(bob));
        Assert.Equal(["fx__add", "fx__read_file", "fx__send_email"], Names(analyst));
        Assert.Contains("fx__echo", Names(everything));
    }

    private static string[] Names(string table) =>
        [.. table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', 2)[0]).Order(StringComparer.Ordinal)];

    private async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
    {
        await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, .. arguments], workingDirectory: _directory);
        int exit = await mcpf.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return (exit, mcpf.StandardOutput);
    }
}
