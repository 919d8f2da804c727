using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

/// <summary><c>connect_timeout</c>: per server, <c>settings.connect_timeout</c> and <c>MCP_CONNECT_TIMEOUT</c>.</summary>
[Trait("Category", "Unit")]
public sealed class ConnectTimeoutSettingsTests
{
    [Fact]
    public void Parse_NothingSet_DefaultsToSixtySecondsAndServerUnset()
    {
        // Act
        var configuration = Parse(OneServer("""{ "command": ["x"] }""")).Configuration!;

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(60), configuration.Settings.ConnectTimeout);
        Assert.Null(configuration.Servers["srv"].ConnectTimeout);
    }

    [Fact]
    public void Parse_SettingAndServerField_AreRead()
    {
        // Arrange
        const string json = """{ "settings": { "connect_timeout": 120 }, "servers": { "srv": { "command": ["x"], "connect_timeout": 2.5, "timeout": 5 } } }""";

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(TimeSpan.FromSeconds(120), result.Configuration!.Settings.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2.5), result.Configuration.Servers["srv"].ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), result.Configuration.Servers["srv"].Timeout);
    }

    [Fact]
    public void Parse_Variable_OverridesTheFileSetting()
    {
        // Act
        var result = Parse("""{ "settings": { "connect_timeout": 120 }, "servers": {} }""", Environment(("MCP_CONNECT_TIMEOUT", " 7.5 ")));

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(TimeSpan.FromSeconds(7.5), result.Configuration!.Settings.ConnectTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("3601")]
    [InlineData("60s")]
    [InlineData("1,5")]
    public void Parse_BadVariable_IsErrorAtEnvPathSayingWhatToWrite(string value)
    {
        // Act
        var result = Parse("""{ "servers": {} }""", Environment(("MCP_CONNECT_TIMEOUT", value)));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("env:MCP_CONNECT_TIMEOUT", error.Path);
        Assert.Contains("greater than 0 and at most 3600, e.g. MCP_CONNECT_TIMEOUT=60", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{value}\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3601")]
    [InlineData("\"60\"")]
    public void Parse_BadSetting_IsErrorAtSettingsPath(string value)
    {
        // Act
        var result = Parse($$"""{ "servers": {}, "settings": { "connect_timeout": {{value}} } }""");

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("settings.connect_timeout", error.Path);
        Assert.Contains("e.g. \"connect_timeout\": 60", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("3601")]
    [InlineData("true")]
    public void Parse_BadServerField_IsErrorAtServerPath(string value)
    {
        // Act
        var result = Parse(OneServer($$"""{ "command": ["x"], "connect_timeout": {{value}} }""", "fs"));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.fs.connect_timeout", error.Path);
        Assert.Contains("greater than 0 and at most 3600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MisspeltServerField_SuggestsConnectTimeout()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"], "conect_timeout": 5 }"""));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.srv.conect_timeout", error.Path);
        Assert.Contains("did you mean \"connect_timeout\"?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_DifferentConnectTimeout_DefinitionsDiffer()
    {
        // Arrange
        var a = new ServerDefinition { Name = "s", Command = ["x"], ConnectTimeout = TimeSpan.FromSeconds(5) };
        var b = a with { ConnectTimeout = TimeSpan.FromSeconds(6) };

        // Act / Assert: a reload restarts a server whose connect_timeout changed.
        Assert.NotEqual(a, b);
        Assert.Equal(a, a with { });
        Assert.Contains("ConnectTimeout = 5s", a.ToString(), StringComparison.Ordinal);
    }
}
