using McpFoundation.Configuration;
using McpFoundation.Security.Arguments;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Security.Arguments;

[Trait("Category", "Unit")]
public sealed class SecurityProfileConfigurationTests
{
    [Fact]
    public void Parse_EveryArgumentField_BuildsTheProfile()
    {
        // Act
        var result = Parse(OneServer("""
            { "command": ["x"], "security_profile": {
                "allowed_operations": ["READ", "list"],
                "allowed_paths": ["./data", "/srv/shared"],
                "allowed_hosts": ["API.example.com", "*.example.org"],
                "allow_private_network": true,
                "allowed_schemes": ["https"],
                "max_argument_bytes": 4096, "max_string_length": 1024, "max_argument_depth": 8,
                "tools": { "run": { "operation": "execute", "arguments": { "target": "PATH", "cmd": "command" }, "allow_shell": true } } } }
            """, "fs"));

        // Assert
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Path + " " + e.Message)));
        var profile = result.Configuration!.Servers["fs"].SecurityProfile!;
        Assert.Equal(["read", "list"], profile.AllowedOperations);
        Assert.Equal(["./data", "/srv/shared"], profile.AllowedPaths);
        Assert.Equal(["api.example.com", "*.example.org"], profile.AllowedHosts);
        Assert.True(profile.AllowPrivateNetwork);
        Assert.Equal(["https"], profile.AllowedSchemes);
        Assert.Equal((4096, 1024, 8), (profile.MaxArgumentBytes!.Value, profile.MaxStringLength!.Value, profile.MaxArgumentDepth!.Value));
        var tool = profile.Tools["run"];
        Assert.Equal("execute", tool.Operation);
        Assert.Equal(ArgumentKind.Path, tool.Arguments["target"]);
        Assert.Equal(ArgumentKind.Command, tool.Arguments["cmd"]);
        Assert.True(tool.AllowShell);
        Assert.Equal(profile, Parse(OneServer("""{ "command": ["x"], "security_profile": { "allowed_operations": ["read", "list"], "allowed_paths": ["./data", "/srv/shared"], "allowed_hosts": ["api.example.com", "*.example.org"], "allow_private_network": true, "allowed_schemes": ["https"], "max_argument_bytes": 4096, "max_string_length": 1024, "max_argument_depth": 8, "tools": { "run": { "operation": "execute", "arguments": { "cmd": "command", "target": "path" }, "allow_shell": true } } } }""", "fs")).Configuration!.Servers["fs"].SecurityProfile);
    }

    [Theory]
    [InlineData("\"allowed_operations\": [\"destroy\"]", "servers.fs.security_profile.allowed_operations[0]")]
    [InlineData("\"allowed_paths\": [\"\"]", "servers.fs.security_profile.allowed_paths[0]")]
    [InlineData("\"allowed_paths\": \"/srv\"", "servers.fs.security_profile.allowed_paths")]
    [InlineData("\"allowed_hosts\": [\"https://api.example.com\"]", "servers.fs.security_profile.allowed_hosts[0]")]
    [InlineData("\"allowed_hosts\": [\"api.example.com:443\"]", "servers.fs.security_profile.allowed_hosts[0]")]
    [InlineData("\"allowed_hosts\": [\"a.*.com\"]", "servers.fs.security_profile.allowed_hosts[0]")]
    [InlineData("\"allowed_schemes\": [\"https:\"]", "servers.fs.security_profile.allowed_schemes[0]")]
    [InlineData("\"allow_private_network\": \"yes\"", "servers.fs.security_profile.allow_private_network")]
    [InlineData("\"max_argument_bytes\": 0", "servers.fs.security_profile.max_argument_bytes")]
    [InlineData("\"max_argument_depth\": 1000", "servers.fs.security_profile.max_argument_depth")]
    [InlineData("\"tools\": []", "servers.fs.security_profile.tools")]
    [InlineData("\"tools\": {\"t\": {\"operation\": \"nuke\"}}", "servers.fs.security_profile.tools.t.operation")]
    [InlineData("\"tools\": {\"t\": {\"arguments\": {\"a\": \"file\"}}}", "servers.fs.security_profile.tools.t.arguments.a")]
    [InlineData("\"tools\": {\"t\": {\"allow_shel\": true}}", "servers.fs.security_profile.tools.t.allow_shel")]
    public void Parse_BadField_IsAnErrorAtItsPath(string field, string path)
    {
        // Act
        var result = Parse(OneServer("{ \"command\": [\"x\"], \"security_profile\": { " + field + " } }", "fs"));

        // Assert
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, error => error.Path == path);
    }

    [Theory]
    [InlineData("""{ "settings": { "max_argument_bytes": 2048, "max_string_length": 100, "max_argument_depth": 4 }, "servers": { "a": { "command": ["x"] } } }""", 2048, 100, 4)]
    [InlineData("""{ "servers": { "a": { "command": ["x"] } } }""", 1048576, 262144, 32)]
    public void Parse_SettingsLimits_HaveSafeDefaults(string json, int bytes, int length, int depth)
    {
        // Act
        var settings = Parse(json).Configuration!.Settings;

        // Assert
        Assert.Equal((bytes, length, depth), (settings.MaxArgumentBytes, settings.MaxStringLength, settings.MaxArgumentDepth));
    }

    [Fact]
    public void Parse_SettingsLimitFromTheEnvironment_Overrides()
    {
        // Act
        var result = GatewayConfigurationLoader.Parse(OneServer("""{ "command": ["x"] }"""), new Dictionary<string, string?> { ["MCP_MAX_STRING_LENGTH"] = "77", ["MCP_MAX_ARGUMENT_DEPTH"] = "zero" }, null);

        // Assert
        Assert.Contains(result.Errors, error => error.Path == "env:MCP_MAX_ARGUMENT_DEPTH");
        Assert.Equal(77, GatewayConfigurationLoader.Parse(OneServer("""{ "command": ["x"] }"""), new Dictionary<string, string?> { ["MCP_MAX_STRING_LENGTH"] = "77" }, null).Configuration!.Settings.MaxStringLength);
    }
}
