using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ConfigurationModelTests
{
    [Fact]
    public void ServerDefinitionEquals_SameFileParsedTwice_IsEqual()
    {
        // Arrange
        const string json = """{ "servers": { "s": { "command": ["x", "y"], "env": {"A": "1", "B": "2"}, "security_profile": { "allowed_operations": ["read"] } } } }""";
        const string reordered = """{ "servers": { "s": { "env": {"B": "2", "A": "1"}, "command": ["x", "y"], "security_profile": { "allowed_operations": ["read"] } } } }""";

        // Act
        var first = Parse(json).Configuration!.Servers["s"];
        var second = Parse(reordered).Configuration!.Servers["s"];

        // Assert
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void ServerDefinitionEquals_DifferentArgumentOrEnvValue_IsNotEqual()
    {
        // Arrange
        var baseline = new ServerDefinition { Name = "s", Command = ["x", "y"], Env = new Dictionary<string, string> { ["A"] = "1" } };

        // Act
        var otherArgument = baseline with { Command = ["x", "z"] };
        var otherEnv = baseline with { Env = new Dictionary<string, string> { ["A"] = "2" } };
        var otherProfile = baseline with { SecurityProfile = new SecurityProfile { AllowedOperations = ["read"] } };

        // Assert
        Assert.NotEqual(baseline, otherArgument);
        Assert.NotEqual(baseline, otherEnv);
        Assert.NotEqual(baseline, otherProfile);
        Assert.Equal(baseline, baseline with { Command = ["x", "y"] });
    }

    [Fact]
    public void GatewayConfigurationEmpty_HasNoServersAndDefaults()
    {
        // Act
        var empty = GatewayConfiguration.Empty;

        // Assert
        Assert.Empty(empty.Servers);
        Assert.Equal(ToolNamespacing.Prefix, empty.Namespacing);
        Assert.Equal(new GatewaySettings(), empty.Settings);
        Assert.Null(empty.SourcePath);
    }

    [Fact]
    public void ConfigurationErrorToString_IsPathColonMessage()
    {
        // Act
        var text = new ConfigurationError("servers.a.url", "must be set").ToString();

        // Assert
        Assert.Equal("servers.a.url: must be set", text);
    }

    [Fact]
    public void ConfigurationException_FromErrors_ListsEachOnItsOwnLine()
    {
        // Arrange
        ConfigurationError[] errors = [new("a", "one"), new("b", "two")];

        // Act
        var exception = new ConfigurationException(errors, "/etc/gw.json");

        // Assert
        Assert.Same(errors, exception.Errors);
        Assert.Equal(
            "The configuration file \"/etc/gw.json\" is not valid (2 errors):\na: one\nb: two",
            exception.Message);
    }
}
