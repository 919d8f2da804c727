using McpFoundation.AspNetCore.Admin;
using McpFoundation.Configuration;
using McpFoundation.Emergency;

namespace McpFoundation.Tests.Emergency;

/// <summary>The <c>emergency</c> section and the admin key check.</summary>
[Trait("Category", "Unit")]
public sealed class EmergencySectionTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public void Read_FullSection_BindsEveryField()
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse(
            """{ "servers": {}, "emergency": { "kill_servers": true, "stop_file": "/run/mcpf/STOP", "admin": { "key": "0123456789abcdef0123", "allow_remote": true } } }""",
            NoEnvironment);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        EmergencySettings settings = EmergencySettings.Of(result.Configuration!);
        Assert.True(settings.KillServers);
        Assert.Equal("/run/mcpf/STOP", settings.ResolveStopFile(result.Configuration!));
        Assert.Equal("0123456789abcdef0123", settings.ResolveAdminKey(_ => null));
        Assert.True(settings.AdminAllowRemote);
        Assert.DoesNotContain("0123456789abcdef0123", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoSection_DefaultsToTheDataDirectoryStopFileAndNoAdminKey()
    {
        var configuration = new GatewayConfiguration { Settings = new GatewaySettings { DataDirectory = "/var/lib/mcpf" } };

        EmergencySettings settings = EmergencySettings.Of(configuration);

        Assert.False(settings.KillServers);
        Assert.Equal("/var/lib/mcpf/EMERGENCY_STOP", settings.ResolveStopFile(configuration));
        Assert.Null(settings.ResolveAdminKey(_ => null));
        Assert.Equal("from-the-variable-123", settings.ResolveAdminKey(name => name == EmergencySettings.AdminKeyVariable ? "from-the-variable-123" : null));
    }

    [Theory]
    [InlineData("""{ "kill_servers": "yes" }""", "emergency.kill_servers")]
    [InlineData("""{ "stop_file": 3 }""", "emergency.stop_file")]
    [InlineData("""{ "admin": { "key": "short" } }""", "emergency.admin.key")]
    [InlineData("""{ "kill_server": true }""", "emergency.kill_server")]
    public void Read_BadField_ReportsItsPathWithoutEchoingAKey(string section, string path)
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse($$"""{ "servers": {}, "emergency": {{section}} }""", NoEnvironment);

        Assert.False(result.IsValid);
        ConfigurationError error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.DoesNotContain("short", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("the-right-key-0123456789", "the-right-key-0123456789", true)]
    [InlineData("the-right-key-012345678", "the-right-key-0123456789", false)]
    [InlineData("", "the-right-key-0123456789", false)]
    [InlineData("THE-RIGHT-KEY-0123456789", "the-right-key-0123456789", false)]
    public void KeysMatch_ComparesExactly(string presented, string expected, bool match) =>
        Assert.Equal(match, AdminAccess.KeysMatch(presented, expected));
}
