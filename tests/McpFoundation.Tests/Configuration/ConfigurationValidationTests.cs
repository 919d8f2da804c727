using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ConfigurationValidationTests
{
    [Fact]
    public void Parse_FileWithFourMistakes_ReportsAllFourWithTheirPaths()
    {
        // Arrange
        const string json = """
            {
              "servers": {
                "file_operations": {
                  "transport": "stdio",
                  "command": [42, "-m", "file_server"],
                  "security_profile": { "risk_level": "extreme", "max_concurrent_operations": 0 }
                },
                "web_api": { "transport": "http", "url": "api.example.com/mcp" }
              }
            }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.False(result.IsValid);
        Assert.Null(result.Configuration);
        Assert.Equal(
            [
                "servers.file_operations.command[0]",
                "servers.file_operations.security_profile.risk_level",
                "servers.file_operations.security_profile.max_concurrent_operations",
                "servers.web_api.url",
            ],
            Paths(result.Errors));
    }

    [Fact]
    public void Parse_BadUrl_SaysWhatToWrite()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "http", "url": "api.example.com/mcp" }""", "web_api"));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.web_api.url: must be an absolute http or https URL, e.g. \"https://api.example.com/mcp\"", error.ToString());
    }

    [Theory]
    [InlineData("\"file:///etc/passwd\"")]
    [InlineData("\"ws://example.com/mcp\"")]
    [InlineData("\"/relative/path\"")]
    [InlineData("42")]
    public void Parse_UrlNotHttp_IsError(string url)
    {
        // Act
        var result = Parse(OneServer($$"""{ "url": {{url}} }"""));

        // Assert
        Assert.Equal(["servers.srv.url"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_PlainHttpToRemoteHost_WarnsButIsValid()
    {
        // Act
        var result = Parse(OneServer("""{ "url": "http://api.example.com/mcp" }"""));

        // Assert
        Assert.True(result.IsValid);
        Assert.Equal(["servers.srv.url"], Paths(result.Warnings));
    }

    [Theory]
    [InlineData("_private")]
    [InlineData("web api")]
    [InlineData("web/api")]
    [InlineData("-dash")]
    [InlineData("")]
    public void Parse_InvalidServerName_IsErrorAtServerPath(string name)
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"] }""", name));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers." + name, error.Path);
    }

    [Fact]
    public void Parse_ServerNameWithDoubleUnderscore_IsError()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"] }""", "web__api"));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.web__api", error.Path);
        Assert.Contains("\"__\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Web_API-2.v1")]
    [InlineData("9lives")]
    public void Parse_ValidServerName_IsAccepted(string name)
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"] }""", name));

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
    }

    [Fact]
    public void Parse_NamesDifferingOnlyByCase_IsError()
    {
        // Act
        var result = Parse("""{ "servers": { "web": {"command": ["a"]}, "Web": {"command": ["b"]} } }""");

        // Assert
        Assert.Equal(["servers.Web"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_DuplicateKey_IsError()
    {
        // Act
        var result = Parse("""{ "servers": { "web": {"command": ["a"]}, "web": {"command": ["b"]} } }""");

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.web", error.Path);
        Assert.Contains("more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StdioWithoutCommand_IsErrorAtCommand()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "stdio" }"""));

        // Assert
        Assert.Equal(["servers.srv.command"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_StdioWithUrl_IsErrorAtUrl()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "stdio", "command": ["x"], "url": "https://example.com" }"""));

        // Assert
        Assert.Equal(["servers.srv.url"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_EmptyCommand_IsError()
    {
        // Act
        var result = Parse(OneServer("""{ "command": [] }"""));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.srv.command", error.Path);
        Assert.Contains("e.g.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BlankExecutable_IsErrorAtFirstElement()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["  ", "x"] }"""));

        // Assert
        Assert.Equal(["servers.srv.command[0]"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_NonStringArguments_ReportsEachIndex()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["node", 1, "ok", true] }"""));

        // Assert
        Assert.Equal(["servers.srv.command[1]", "servers.srv.command[3]"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_ArgsWithoutCommand_IsError()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "stdio", "args": ["x"] }"""));

        // Assert
        Assert.Equal(["servers.srv.command", "servers.srv.args"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_HttpWithoutUrl_IsErrorAtUrl()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "sse" }"""));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.srv.url", error.Path);
        Assert.Contains("sse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HttpWithCommand_IsErrorAtCommand()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "http", "url": "https://example.com/mcp", "command": ["x"] }"""));

        // Assert
        Assert.Equal(["servers.srv.command"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_CommandAndUrlWithoutTransport_IsAmbiguityError()
    {
        // Act
        var result = Parse(OneServer("""{ "url": "https://example.com/mcp", "command": ["x"] }"""));

        // Assert
        Assert.Equal(["servers.srv"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_NeitherCommandNorUrl_IsError()
    {
        // Act
        var result = Parse(OneServer("""{ "enabled": true }"""));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.srv", error.Path);
        Assert.Contains("\"command\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"url\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTransport_IsError()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "grpc", "command": ["x"] }"""));

        // Assert
        Assert.Equal(["servers.srv.transport"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_BothTransportAndType_IsError()
    {
        // Act
        var result = Parse(OneServer("""{ "transport": "stdio", "type": "stdio", "command": ["x"] }"""));

        // Assert
        Assert.Equal(["servers.srv.type"], Paths(result.Errors));
    }

    [Theory]
    [InlineData("\"timeout\": 0", "servers.srv.timeout")]
    [InlineData("\"timeout\": -1", "servers.srv.timeout")]
    [InlineData("\"timeout\": 3601", "servers.srv.timeout")]
    [InlineData("\"timeout\": \"30\"", "servers.srv.timeout")]
    [InlineData("\"enabled\": \"yes\"", "servers.srv.enabled")]
    [InlineData("\"inherit_env\": 1", "servers.srv.inherit_env")]
    [InlineData("\"cwd\": \"\"", "servers.srv.cwd")]
    [InlineData("\"env\": [\"A=B\"]", "servers.srv.env")]
    [InlineData("\"env\": {\"A=B\": \"x\"}", "servers.srv.env.A=B")]
    [InlineData("\"env\": {\"PORT\": 8080}", "servers.srv.env.PORT")]
    [InlineData("\"security_profile\": {\"rate_limit\": 0}", "servers.srv.security_profile.rate_limit")]
    [InlineData("\"security_profile\": {\"rate_limit\": 1.5}", "servers.srv.security_profile.rate_limit")]
    [InlineData("\"security_profile\": {\"max_concurrent_operations\": 0}", "servers.srv.security_profile.max_concurrent_operations")]
    [InlineData("\"security_profile\": {\"risk_level\": \"extreme\"}", "servers.srv.security_profile.risk_level")]
    [InlineData("\"security_profile\": {\"allowed_file_extensions\": [\".txt\", \"json\"]}", "servers.srv.security_profile.allowed_file_extensions[1]")]
    [InlineData("\"security_profile\": {\"allowed_file_extensions\": [\".\"]}", "servers.srv.security_profile.allowed_file_extensions[0]")]
    [InlineData("\"security_profile\": {\"allowed_operations\": [\"\"]}", "servers.srv.security_profile.allowed_operations[0]")]
    [InlineData("\"security_profile\": {\"require_authentication\": \"true\"}", "servers.srv.security_profile.require_authentication")]
    [InlineData("\"security_profile\": \"high\"", "servers.srv.security_profile")]
    public void Parse_FieldOutOfRangeOrWrongType_IsErrorAtItsPath(string field, string path)
    {
        // Arrange
        var json = OneServer($$"""{ "command": ["x"], {{field}} }""");

        // Act
        var result = Parse(json);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("\"timeout\": 0")]
    [InlineData("\"security_profile\": {\"rate_limit\": 0}")]
    [InlineData("\"security_profile\": {\"risk_level\": \"extreme\"}")]
    [InlineData("\"security_profile\": {\"allowed_file_extensions\": [\"txt\"]}")]
    public void Parse_OutOfRangeValue_MessageGivesAnExample(string field)
    {
        // Act
        var result = Parse(OneServer($$"""{ "command": ["x"], {{field}} }"""));

        // Assert
        Assert.Contains("e.g.", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RiskLevelInUpperCase_IsNormalizedToLowerCase()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"], "security_profile": { "risk_level": "HIGH" } }"""));

        // Assert
        Assert.Equal("high", result.Configuration!.Servers["srv"].SecurityProfile!.RiskLevel);
    }

    [Fact]
    public void Parse_MoreEnabledServersThanMaxServers_IsErrorAtServers()
    {
        // Arrange
        const string json = """
            { "settings": { "max_servers": 2 }, "servers": {
                "a": {"command": ["a"]}, "b": {"command": ["b"]}, "c": {"command": ["c"]} } }
            """;

        // Act
        var result = Parse(json);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers", error.Path);
        Assert.Contains("3 enabled servers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DisabledServersBeyondMaxServers_AreNotCounted()
    {
        // Arrange
        const string json = """
            { "settings": { "max_servers": 2 }, "servers": {
                "a": {"command": ["a"]}, "b": {"command": ["b"]}, "c": {"command": ["c"], "enabled": false} } }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
    }

    [Fact]
    public void Parse_BothServersAndMcpServers_IsError()
    {
        // Act
        var result = Parse("""{ "servers": {}, "mcpServers": {} }""");

        // Assert
        Assert.Equal(["$"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_NoServersKey_IsErrorAtRoot()
    {
        // Act
        var result = Parse("{}");

        // Assert
        Assert.Equal(["$"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_RootNotObject_IsErrorAtRoot()
    {
        // Act
        var result = Parse("[1, 2]");

        // Assert
        Assert.Equal(["$"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_BadNamespacing_IsError()
    {
        // Act
        var result = Parse("""{ "servers": {}, "namespacing": "suffix" }""");

        // Assert
        Assert.Equal(["namespacing"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_SyntaxError_GivesOneRootErrorWithLineAndPosition()
    {
        // Arrange
        const string json = "{\n  \"servers\": {\n    \"a\": { \"command\": [\"x\"] \n  }\n";

        // Act
        var result = Parse(json);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Matches(@"line \d+, position \d+", error.Message);
        Assert.Null(result.Configuration);
    }

    [Fact]
    public void Parse_SyntaxErrorOnThirdLine_ReportsLineThree()
    {
        // Arrange
        const string json = "{\n  \"servers\": {\n    \"a\": x\n  }\n}";

        // Act
        var result = Parse(json);

        // Assert
        Assert.Contains("line 3, position 10", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EnvAndHeaderValues_NeverAppearInMessages()
    {
        // Arrange
        const string secret = "sk-live-SECRET-123";
        var json = $$"""
            { "servers": {
                "local": { "transport": "http", "url": "https://example.com/mcp",
                           "env": { "API_KEY": "{{secret}}", "BAD=NAME": "{{secret}}" }, "cwd": "x" },
                "remote": { "url": "http://user:{{secret}}@example.com/mcp",
                            "headers": { "Authorization": "Bearer {{secret}}\r\nX-Evil: 1", "bad header": "{{secret}}",
                                         "X-Key": "{{secret}}", "x-key": "{{secret}}" } },
                "std": { "command": ["x"], "headers": { "X-Token": "{{secret}}" }, "unknwn": "{{secret}}" }
            } }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.NotEmpty(result.Errors);
        Assert.NotEmpty(result.Warnings);
        Assert.All(result.Errors.Concat(result.Warnings), error => Assert.DoesNotContain("SECRET", error.ToString(), StringComparison.Ordinal));
        Assert.Contains("servers.remote.headers.Authorization", Paths(result.Errors));
        Assert.Contains("servers.remote.headers.bad header", Paths(result.Errors));
        Assert.Contains("servers.remote.headers.x-key", Paths(result.Errors));
        Assert.Contains("servers.local.env.BAD=NAME", Paths(result.Errors));
    }

    [Fact]
    public void ServerDefinitionToString_WithSecrets_PrintsNamesOnly()
    {
        // Arrange
        var json = OneServer("""{ "url": "https://u:pw-SECRET@example.com/mcp?key=SECRET", "headers": { "Authorization": "Bearer SECRET" } }""");
        var server = Parse(json).Configuration!.Servers["srv"];
        var stdio = new ServerDefinition { Name = "s", Command = ["tool", "--token", "SECRET"], Env = new Dictionary<string, string> { ["TOKEN"] = "SECRET" } };

        // Act
        var text = server.ToString() + stdio.ToString();

        // Assert
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.Contains("Authorization", text, StringComparison.Ordinal);
        Assert.Contains("TOKEN", text, StringComparison.Ordinal);
        Assert.Contains("https://example.com/mcp", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFieldStrict_IsErrorWithSuggestion()
    {
        // Act
        var result = Parse(OneServer("""{ "comand": ["x"], "command": ["x"] }"""));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers.srv.comand", error.Path);
        Assert.Contains("did you mean \"command\"?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inheritEnv", "inherit_env")]
    [InlineData("secuirty_profile", "security_profile")]
    [InlineData("header", "headers")]
    public void Parse_MisspeltServerField_SuggestsClosest(string misspelt, string suggestion)
    {
        // Act
        var result = Parse(OneServer($$"""{ "command": ["x"], "{{misspelt}}": true }"""));

        // Assert
        Assert.Contains($"did you mean \"{suggestion}\"?", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFieldFarFromAnyKnown_ListsKnownFieldsInstead()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"], "description": "x" }"""));

        // Assert
        var message = Assert.Single(result.Errors).Message;
        Assert.DoesNotContain("did you mean", message, StringComparison.Ordinal);
        Assert.Contains("security_profile", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFieldsEverywhereStrict_AreErrorsAtEachLevel()
    {
        // Arrange
        const string json = """
            { "sevrers": 1, "servers": { "s": { "command": ["x"], "security_profile": { "rate_limt": 5 } } },
              "settings": { "max_server": 3 } }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.Equal(
            ["settings.max_server", "sevrers", "servers.s.security_profile.rate_limt"],
            Paths(result.Errors));
        Assert.Contains("did you mean \"servers\"?", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("did you mean \"rate_limit\"?", result.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFieldNotStrictInFile_IsWarningAndConfigurationIsUsable()
    {
        // Arrange
        const string json = """{ "settings": { "enable_strict_validation": false }, "servers": { "s": { "command": ["x"], "colour": "red" } } }""";

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid);
        Assert.NotNull(result.Configuration);
        Assert.Equal(["settings.enable_strict_validation", "servers.s.colour"], Paths(result.Warnings));
    }

    [Fact]
    public void Parse_StrictTurnedOffByEnvironment_AppliesBeforeUnknownFieldsAreJudged()
    {
        // Arrange
        const string json = """{ "settings": { "enable_strict_validation": true }, "servers": { "s": { "command": ["x"], "colour": "red" } } }""";

        // Act
        var result = Parse(json, Environment(("MCP_ENABLE_STRICT_VALIDATION", "off")));

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(["env:MCP_ENABLE_STRICT_VALIDATION", "servers.s.colour"], Paths(result.Warnings));
    }

    [Fact]
    public void Parse_StrictTurnedOnByEnvironment_OverridesFile()
    {
        // Arrange
        const string json = """{ "settings": { "enable_strict_validation": false }, "servers": { "s": { "command": ["x"], "colour": "red" } } }""";

        // Act
        var result = Parse(json, Environment(("MCP_ENABLE_STRICT_VALIDATION", "true")));

        // Assert
        Assert.Equal(["servers.s.colour"], Paths(result.Errors));
    }

    [Fact]
    public void Parse_StdioOnlyFieldsOnRemoteServer_AreWarnings()
    {
        // Act
        var result = Parse(OneServer("""{ "url": "https://example.com/mcp", "env": {"A": "b"}, "cwd": "x" }"""));

        // Assert
        Assert.True(result.IsValid);
        Assert.Equal(["servers.srv.env", "servers.srv.cwd"], Paths(result.Warnings));
    }
}
