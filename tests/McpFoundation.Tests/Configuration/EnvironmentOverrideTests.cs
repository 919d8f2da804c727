using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class EnvironmentOverrideTests
{
    private const string FileWithSettings = """
        { "servers": {}, "settings": { "max_servers": 4, "default_timeout": 20, "health_check_interval": 30, "log_level": "ERROR",
          "enable_strict_validation": true, "emergency_stop_timeout": 3, "audit_log_retention": 7 } }
        """;

    [Fact]
    public void Parse_NoEnvironment_UsesDefaults()
    {
        // Act
        var settings = Parse("""{ "servers": {} }""").Configuration!.Settings;

        // Assert
        Assert.Equal(10, settings.MaxServers);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.DefaultTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.HealthCheckInterval);
        Assert.Equal(LogLevel.Information, settings.LogLevel);
        Assert.True(settings.EnableStrictValidation);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.EmergencyStopTimeout);
        Assert.Equal(30, settings.AuditLogRetentionDays);
    }

    [Fact]
    public void Parse_EveryVariableSet_OverridesFileSettings()
    {
        // Arrange
        var environment = Environment(
            ("MCP_MAX_SERVERS", "25"),
            ("MCP_DEFAULT_TIMEOUT", "12.5"),
            ("MCP_HEALTH_CHECK_INTERVAL", "90"),
            ("MCP_LOG_LEVEL", "debug"),
            ("MCP_ENABLE_STRICT_VALIDATION", "no"),
            ("MCP_EMERGENCY_STOP_TIMEOUT", "1.5"),
            ("MCP_AUDIT_LOG_RETENTION", "365"));

        // Act
        var result = Parse(FileWithSettings, environment);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Equal(
            new GatewaySettings
            {
                MaxServers = 25,
                DefaultTimeout = TimeSpan.FromSeconds(12.5),
                HealthCheckInterval = TimeSpan.FromSeconds(90),
                LogLevel = LogLevel.Debug,
                EnableStrictValidation = false,
                EmergencyStopTimeout = TimeSpan.FromSeconds(1.5),
                AuditLogRetentionDays = 365,
            },
            result.Configuration!.Settings);
    }

    [Fact]
    public void Parse_VariableEmpty_IsTreatedAsUnset()
    {
        // Act
        var result = Parse(FileWithSettings, Environment(("MCP_MAX_SERVERS", ""), ("MCP_LOG_LEVEL", null)));

        // Assert
        Assert.True(result.IsValid);
        Assert.Equal(4, result.Configuration!.Settings.MaxServers);
        Assert.Equal(LogLevel.Error, result.Configuration.Settings.LogLevel);
    }

    [Theory]
    [InlineData("TRACE", LogLevel.Trace)]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData("INFO", LogLevel.Information)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("Information", LogLevel.Information)]
    [InlineData("WARNING", LogLevel.Warning)]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("Warning", LogLevel.Warning)]
    [InlineData("ERROR", LogLevel.Error)]
    [InlineData("CRITICAL", LogLevel.Critical)]
    [InlineData("NONE", LogLevel.None)]
    [InlineData(" warn ", LogLevel.Warning)]
    public void Parse_LogLevelVariable_AcceptsPythonAndDotNetNames(string value, LogLevel expected)
    {
        // Act
        var result = Parse("""{ "servers": {} }""", Environment(("MCP_LOG_LEVEL", value)));

        // Assert
        Assert.Equal(expected, result.Configuration!.Settings.LogLevel);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("No", false)]
    [InlineData("off", false)]
    public void Parse_StrictValidationVariable_AcceptsBooleanSpellings(string value, bool expected)
    {
        // Act
        var result = Parse("""{ "servers": {} }""", Environment(("MCP_ENABLE_STRICT_VALIDATION", value)));

        // Assert
        Assert.Equal(expected, result.Configuration!.Settings.EnableStrictValidation);
    }

    [Theory]
    [InlineData("MCP_MAX_SERVERS", "ten", "must be a whole number from 1 to 1000, e.g. MCP_MAX_SERVERS=10")]
    [InlineData("MCP_MAX_SERVERS", "0", "must be a whole number from 1 to 1000, e.g. MCP_MAX_SERVERS=10")]
    [InlineData("MCP_MAX_SERVERS", "1001", "must be a whole number from 1 to 1000, e.g. MCP_MAX_SERVERS=10")]
    [InlineData("MCP_MAX_SERVERS", "2.5", "must be a whole number from 1 to 1000, e.g. MCP_MAX_SERVERS=10")]
    [InlineData("MCP_DEFAULT_TIMEOUT", "0", "e.g. MCP_DEFAULT_TIMEOUT=30")]
    [InlineData("MCP_DEFAULT_TIMEOUT", "30s", "e.g. MCP_DEFAULT_TIMEOUT=30")]
    [InlineData("MCP_DEFAULT_TIMEOUT", "3601", "e.g. MCP_DEFAULT_TIMEOUT=30")]
    [InlineData("MCP_DEFAULT_TIMEOUT", "NaN", "e.g. MCP_DEFAULT_TIMEOUT=30")]
    [InlineData("MCP_DEFAULT_TIMEOUT", "1,5", "e.g. MCP_DEFAULT_TIMEOUT=30")]
    [InlineData("MCP_HEALTH_CHECK_INTERVAL", "-1", "e.g. MCP_HEALTH_CHECK_INTERVAL=60")]
    [InlineData("MCP_HEALTH_CHECK_INTERVAL", "86401", "e.g. MCP_HEALTH_CHECK_INTERVAL=60")]
    [InlineData("MCP_LOG_LEVEL", "LOUD", "e.g. MCP_LOG_LEVEL=INFO")]
    [InlineData("MCP_LOG_LEVEL", "2", "e.g. MCP_LOG_LEVEL=INFO")]
    [InlineData("MCP_ENABLE_STRICT_VALIDATION", "maybe", "e.g. MCP_ENABLE_STRICT_VALIDATION=true")]
    [InlineData("MCP_EMERGENCY_STOP_TIMEOUT", "0", "e.g. MCP_EMERGENCY_STOP_TIMEOUT=5")]
    [InlineData("MCP_EMERGENCY_STOP_TIMEOUT", "301", "e.g. MCP_EMERGENCY_STOP_TIMEOUT=5")]
    [InlineData("MCP_AUDIT_LOG_RETENTION", "0", "e.g. MCP_AUDIT_LOG_RETENTION=30")]
    [InlineData("MCP_AUDIT_LOG_RETENTION", "3651", "e.g. MCP_AUDIT_LOG_RETENTION=30")]
    [InlineData("MCP_AUDIT_LOG_RETENTION", "thirty", "e.g. MCP_AUDIT_LOG_RETENTION=30")]
    public void Parse_BadVariableValue_IsErrorAtEnvPathSayingWhatToWrite(string name, string value, string expectedText)
    {
        // Act
        var result = Parse("""{ "servers": {} }""", Environment((name, value)));

        // Assert
        Assert.Null(result.Configuration);
        var error = Assert.Single(result.Errors);
        Assert.Equal("env:" + name, error.Path);
        Assert.Contains(expectedText, error.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{value}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralBadVariablesAndBadFile_ReportsEveryError()
    {
        // Arrange
        var environment = Environment(("MCP_MAX_SERVERS", "x"), ("MCP_LOG_LEVEL", "loud"), ("MCP_AUDIT_LOG_RETENTION", "-3"));

        // Act
        var result = Parse(OneServer("""{ "url": "nope" }"""), environment);

        // Assert
        Assert.Equal(
            ["env:MCP_MAX_SERVERS", "env:MCP_LOG_LEVEL", "env:MCP_AUDIT_LOG_RETENTION", "servers.srv.url"],
            Paths(result.Errors));
    }

    [Fact]
    public void Parse_MaxServersFromEnvironment_IsUsedForTheServerCount()
    {
        // Arrange
        const string json = """{ "servers": { "a": {"command": ["a"]}, "b": {"command": ["b"]} } }""";

        // Act
        var result = Parse(json, Environment(("MCP_MAX_SERVERS", "1")));

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("servers", error.Path);
        Assert.Contains("MCP_MAX_SERVERS=2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"max_servers\": 0", "settings.max_servers")]
    [InlineData("\"max_servers\": 10.5", "settings.max_servers")]
    [InlineData("\"default_timeout\": 0", "settings.default_timeout")]
    [InlineData("\"health_check_interval\": \"60\"", "settings.health_check_interval")]
    [InlineData("\"log_level\": \"LOUD\"", "settings.log_level")]
    [InlineData("\"enable_strict_validation\": \"true\"", "settings.enable_strict_validation")]
    [InlineData("\"emergency_stop_timeout\": 1000", "settings.emergency_stop_timeout")]
    [InlineData("\"audit_log_retention\": 0", "settings.audit_log_retention")]
    public void Parse_BadSettingInFile_IsErrorAtSettingsPath(string setting, string path)
    {
        // Act
        var result = Parse($$"""{ "servers": {}, "settings": { {{setting}} } }""");

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains("e.g.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MisspeltMcpVariable_WarnsWithSuggestion()
    {
        // Act
        var result = Parse("""{ "servers": {} }""", Environment(("MCP_MAX_SERVER", "3"), ("MCP_UNRELATED_TOOL_SETTING", "x")));

        // Assert
        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("env:MCP_MAX_SERVER", warning.Path);
        Assert.Contains("MCP_MAX_SERVERS", warning.Message, StringComparison.Ordinal);
    }
}
