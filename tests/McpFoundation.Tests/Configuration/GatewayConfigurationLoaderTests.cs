using System.Text.Json;
using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class GatewayConfigurationLoaderTests
{
    [Fact]
    public void Parse_SeedExample_BuildsBothServersWithTheirProfiles()
    {
        // Act
        var result = Parse(SeedExample);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Empty(result.Warnings);
        var configuration = Assert.IsType<GatewayConfiguration>(result.Configuration);
        Assert.Equal(["file_operations", "web_api"], configuration.Servers.Keys);

        var files = configuration.Servers["file_operations"];
        Assert.Equal("file_operations", files.Name);
        Assert.Equal(ServerTransport.Stdio, files.Transport);
        Assert.Equal(["python", "-m", "file_server"], files.Command);
        Assert.Null(files.Url);
        Assert.True(files.Enabled);
        Assert.False(files.InheritEnvironment);
        Assert.Null(files.Timeout);
        Assert.Equal(
            new SecurityProfile { RiskLevel = "medium", MaxConcurrentOperations = 5, AllowedFileExtensions = [".txt", ".json", ".py"] },
            files.SecurityProfile);

        var web = configuration.Servers["web_api"];
        Assert.Equal(ServerTransport.Http, web.Transport);
        Assert.Equal(new Uri("https://api.example.com/mcp"), web.Url);
        Assert.Empty(web.Command);
        Assert.Equal(new SecurityProfile { RiskLevel = "high", RateLimit = 100, RequireAuthentication = true }, web.SecurityProfile);

        Assert.Equal(ToolNamespacing.Prefix, configuration.Namespacing);
        Assert.Equal(new GatewaySettings(), configuration.Settings);
        Assert.Null(configuration.SourcePath);
    }

    [Fact]
    public void Parse_AllServerFields_AreRead()
    {
        // Arrange
        const string json = """
            {
              // comments and trailing commas are allowed
              "namespacing": "none",
              "servers": {
                "local": {
                  "command": ["node", "server.js"],
                  "env": { "API_KEY": "k", "MODE": "test" },
                  "cwd": "./srv",
                  "enabled": false,
                  "timeout": 2.5,
                  "inherit_env": true,
                  "security_profile": { "allowed_operations": ["read", "write"] },
                },
                "remote": {
                  "transport": "sse",
                  "url": "https://example.com/sse",
                  "headers": { "Authorization": "Bearer t" },
                },
              },
            }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var configuration = result.Configuration!;
        Assert.Equal(ToolNamespacing.None, configuration.Namespacing);
        var local = configuration.Servers["local"];
        Assert.Equal(ServerTransport.Stdio, local.Transport);
        Assert.Equal(["API_KEY", "MODE"], local.Env.Keys);
        Assert.Equal("k", local.Env["API_KEY"]);
        Assert.Equal("./srv", local.Cwd);
        Assert.False(local.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(2.5), local.Timeout);
        Assert.True(local.InheritEnvironment);
        Assert.Equal(["read", "write"], local.SecurityProfile!.AllowedOperations);
        var remote = configuration.Servers["remote"];
        Assert.Equal(ServerTransport.Sse, remote.Transport);
        Assert.Equal("Bearer t", remote.Headers["Authorization"]);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("servers.local.inherit_env", warning.Path);
    }

    [Fact]
    public void Parse_ServersInFileOrder_KeepsThatOrder()
    {
        // Arrange
        const string json = """{ "servers": { "zeta": {"command": ["z"]}, "alpha": {"command": ["a"]}, "mid": {"command": ["m"]} } }""";

        // Act
        var result = Parse(json);

        // Assert
        Assert.Equal(["zeta", "alpha", "mid"], result.Configuration!.Servers.Keys);
    }

    [Fact]
    public void Parse_ClaudeDesktopFile_ReadsStdioAndRemoteServers()
    {
        // Arrange
        const string json = """
            {
              "mcpServers": {
                "filesystem": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "env": { "DEBUG": "1" } },
                "remote": { "type": "streamable-http", "url": "https://mcp.example.com/mcp", "headers": { "X-Api-Key": "s3cr3t" } },
                "legacy": { "type": "sse", "url": "https://mcp.example.com/sse" },
                "plain": { "type": "http", "url": "https://mcp.example.com/other" }
              },
              "globalShortcut": "Ctrl+Space"
            }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var servers = result.Configuration!.Servers;
        Assert.Equal(["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"], servers["filesystem"].Command);
        Assert.Equal(ServerTransport.Stdio, servers["filesystem"].Transport);
        Assert.Equal("1", servers["filesystem"].Env["DEBUG"]);
        Assert.Equal(ServerTransport.Http, servers["remote"].Transport);
        Assert.Equal("s3cr3t", servers["remote"].Headers["X-Api-Key"]);
        Assert.Equal(ServerTransport.Sse, servers["legacy"].Transport);
        Assert.Equal(ServerTransport.Http, servers["plain"].Transport);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("globalShortcut", warning.Path);
    }

    [Fact]
    public void Parse_ClaudeDesktopServerWithMistake_ReportsMcpServersPath()
    {
        // Arrange
        const string json = """{ "mcpServers": { "bad": { "type": "http", "url": "not a url" } } }""";

        // Act
        var result = Parse(json);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("mcpServers.bad.url", error.Path);
    }

    [Theory]
    [InlineData("streamableHttp")]
    [InlineData("streamable-http")]
    [InlineData("HTTP")]
    public void Parse_TypeAliasOfTransport_MeansHttp(string type)
    {
        // Arrange
        var json = OneServer($$"""{ "type": "{{type}}", "url": "https://example.com/mcp" }""");

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(ServerTransport.Http, result.Configuration!.Servers["srv"].Transport);
    }

    [Fact]
    public void Parse_VsCodeStyleStringCommandWithArgs_JoinsThem()
    {
        // Arrange
        var json = OneServer("""{ "type": "stdio", "command": "uvx", "args": ["mcp-server-git", "--repository", "."] }""");

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(["uvx", "mcp-server-git", "--repository", "."], result.Configuration!.Servers["srv"].Command);
    }

    [Fact]
    public void Parse_ArrayCommandWithArgs_AppendsArgs()
    {
        // Arrange
        var json = OneServer("""{ "command": ["node", "a.js"], "args": ["--x"] }""");

        // Act
        var result = Parse(json);

        // Assert
        Assert.Equal(["node", "a.js", "--x"], result.Configuration!.Servers["srv"].Command);
    }

    [Fact]
    public void Parse_NoTransportButUrl_DefaultsToHttp()
    {
        // Arrange
        var json = OneServer("""{ "url": "http://localhost:8080/mcp" }""");

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(ServerTransport.Http, result.Configuration!.Servers["srv"].Transport);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Parse_SettingsObject_IsRead()
    {
        // Arrange
        const string json = """
            { "servers": {}, "settings": { "max_servers": 3, "default_timeout": 12.5, "health_check_interval": 15,
              "log_level": "debug", "enable_strict_validation": true, "emergency_stop_timeout": 2, "audit_log_retention": 90 } }
            """;

        // Act
        var result = Parse(json);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(
            new GatewaySettings
            {
                MaxServers = 3,
                DefaultTimeout = TimeSpan.FromSeconds(12.5),
                HealthCheckInterval = TimeSpan.FromSeconds(15),
                LogLevel = LogLevel.Debug,
                EnableStrictValidation = true,
                EmergencyStopTimeout = TimeSpan.FromSeconds(2),
                AuditLogRetentionDays = 90,
            },
            result.Configuration!.Settings);
    }

    [Fact]
    public void Parse_EmptyServers_IsValidWithNoServers()
    {
        // Act
        var result = Parse("""{ "servers": {} }""");

        // Assert
        Assert.True(result.IsValid);
        Assert.Empty(result.Configuration!.Servers);
    }

    [Fact]
    public void Parse_NullOptionalField_IsTreatedAsAbsent()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"], "timeout": null, "cwd": null }"""));

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Null(result.Configuration!.Servers["srv"].Timeout);
    }

    [Fact]
    public void LoadFile_ExistingFile_SetsFullSourcePath()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"mcpf-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, SeedExample);
        try
        {
            // Act
            var result = GatewayConfigurationLoader.LoadFile(path, NoEnvironment);

            // Assert
            Assert.True(result.IsValid, string.Join('\n', result.Errors));
            Assert.Equal(Path.GetFullPath(path), result.Configuration!.SourcePath);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_MissingFile_ReturnsErrorAtRootInsteadOfThrowing()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"mcpf-missing-{Guid.NewGuid():N}", "gateway.json");

        // Act
        var result = GatewayConfigurationLoader.LoadFile(path, NoEnvironment);

        // Assert
        Assert.Null(result.Configuration);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Directory_ReturnsErrorAtRoot()
    {
        // Act
        var result = GatewayConfigurationLoader.LoadFile(Path.GetTempPath(), NoEnvironment);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
    }

    [Fact]
    public void LoadOrThrow_InvalidFile_ThrowsWithEveryErrorInMessage()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"mcpf-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, OneServer("""{ "transport": "http", "command": ["x"] }"""));
        try
        {
            // Act
            var exception = Assert.Throws<ConfigurationException>(() => GatewayConfigurationLoader.LoadOrThrow(path, NoEnvironment));

            // Assert
            Assert.Equal(["servers.srv.url", "servers.srv.command"], Paths(exception.Errors));
            var lines = exception.Message.Split('\n');
            Assert.Equal(3, lines.Length);
            Assert.Contains("2 errors", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("servers.srv.url: ", lines[1], StringComparison.Ordinal);
            Assert.StartsWith("servers.srv.command: ", lines[2], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadOrThrow_ValidFile_ReturnsConfiguration()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"mcpf-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, SeedExample);
        try
        {
            // Act
            var configuration = GatewayConfigurationLoader.LoadOrThrow(path, NoEnvironment);

            // Assert
            Assert.Equal(2, configuration.Servers.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParseServerDefinition_ValidElement_ReturnsThatServer()
    {
        // Arrange
        using var document = JsonDocument.Parse("""{ "command": "npx", "args": ["-y", "pkg"], "timeout": 10 }""");

        // Act
        var result = GatewayConfigurationLoader.ParseServerDefinition("added", document.RootElement);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var server = Assert.Single(result.Configuration!.Servers).Value;
        Assert.Equal("added", server.Name);
        Assert.Equal(["npx", "-y", "pkg"], server.Command);
        Assert.Equal(TimeSpan.FromSeconds(10), server.Timeout);
    }

    [Fact]
    public void ParseServerDefinition_BadNameAndBadUrl_ReportsBothUnderServersPrefix()
    {
        // Arrange
        using var document = JsonDocument.Parse("""{ "url": "ftp://x" }""");

        // Act
        var result = GatewayConfigurationLoader.ParseServerDefinition("a__b", document.RootElement);

        // Assert
        Assert.Null(result.Configuration);
        Assert.Equal(["servers.a__b", "servers.a__b.url"], Paths(result.Errors));
    }

    [Fact]
    public void ParseServerDefinition_UnknownFieldNotStrict_IsWarning()
    {
        // Arrange
        using var document = JsonDocument.Parse("""{ "command": ["x"], "colour": "red" }""");

        // Act
        var strict = GatewayConfigurationLoader.ParseServerDefinition("s", document.RootElement);
        var lenient = GatewayConfigurationLoader.ParseServerDefinition("s", document.RootElement, new GatewaySettings { EnableStrictValidation = false });

        // Assert
        Assert.Equal(["servers.s.colour"], Paths(strict.Errors));
        Assert.True(lenient.IsValid);
        Assert.Equal(["servers.s.colour"], Paths(lenient.Warnings));
    }

    [Fact]
    public void ProcessEnvironment_ReturnsOnlyMcpAndMcpfVariables()
    {
        // Arrange
        var name = $"MCP_TEST_{Guid.NewGuid():N}";
        System.Environment.SetEnvironmentVariable(name, "42");
        try
        {
            // Act
            var snapshot = GatewayConfigurationLoader.ProcessEnvironment();

            // Assert
            Assert.Equal("42", snapshot[name]);
            Assert.All(snapshot.Keys, key => Assert.True(key.StartsWith("MCP_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("MCPF_", StringComparison.OrdinalIgnoreCase), key));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(name, null);
        }
    }
}
