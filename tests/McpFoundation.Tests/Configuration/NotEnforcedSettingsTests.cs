using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class NotEnforcedSettingsTests
{
    [Fact]
    public void Find_GatewaySample_NamesOnlyTheRiskLevelOfTheFilesystemServer()
    {
        // Arrange
        var configuration = GatewayConfigurationLoader.LoadFile(Path.Combine(RepositoryRoot(), "samples", "gateway.json"), NoEnvironment).Configuration!;

        // Act
        var notices = NotEnforcedSettings.Find(configuration);

        // Assert
        Assert.Equal(["servers.filesystem.security_profile.risk_level"], Paths(notices));
        Assert.Equal(
            "servers.filesystem.security_profile.risk_level is accepted but not enforced yet (risk scoring is a later release); nothing is scored or refused by it",
            NotEnforcedSettings.Format(notices[0]));
    }

    [Fact]
    public void Find_EveryFieldSet_ReportsOnlyTheFieldsNotEnforcedYetInOrder()
    {
        // Arrange
        var configuration = Parse("""
            { "servers": {
                "a": { "command": ["x"], "security_profile": { "rate_limit": 5, "max_concurrent_operations": 2, "require_authentication": true } },
                "b": { "command": ["y"] },
                "c": { "url": "https://example.com/mcp", "security_profile": { "allowed_file_extensions": [".txt"], "allowed_operations": ["read"], "risk_level": "low" } } } }
            """).Configuration!;

        // Act
        var notices = NotEnforcedSettings.Find(configuration);

        // Assert
        Assert.Equal(
            [
                "servers.c.security_profile.risk_level",
            ],
            Paths(notices));
        Assert.All(notices, notice => Assert.StartsWith("is accepted but not enforced yet (", notice.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Find_NoProfileOrOnlyDefaults_ReportsNothing()
    {
        // Arrange
        var configuration = Parse("""
            { "servers": { "a": { "command": ["x"] }, "b": { "command": ["y"], "security_profile": { "require_authentication": false, "allowed_operations": [] } } } }
            """).Configuration!;

        // Act
        var notices = NotEnforcedSettings.Find(configuration);

        // Assert
        Assert.Empty(notices);
    }

    [Fact]
    public void Find_NotEnforcedField_IsNotALoaderWarningSoTheFileStaysClean()
    {
        // Act
        var result = Parse(OneServer("""{ "command": ["x"], "security_profile": { "risk_level": "high", "rate_limit": 5, "allowed_operations": ["read"] } }"""));

        // Assert
        Assert.True(result.IsValid);
        Assert.Empty(result.Warnings);
        Assert.Single(NotEnforcedSettings.Find(result.Configuration!));
    }

    [Fact]
    public void LogAll_TwoNotices_LogsEachOnceAsAWarningWithItsEvent()
    {
        // Arrange: rate_limit is enforced (the limits filter), so only the two risk levels are notices.
        var configuration = Parse("""
            { "servers": {
                "fs": { "command": ["x"], "security_profile": { "risk_level": "low", "allowed_operations": ["read"], "rate_limit": 10 } },
                "web": { "command": ["y"], "security_profile": { "risk_level": "high" } } } }
            """).Configuration!;
        var logger = new RecordingLogger();

        // Act
        NotEnforcedSettings.LogAll(logger, configuration);

        // Assert
        Assert.Equal(
            [
                (LogLevel.Warning, "ConfigurationNotEnforced", "servers.fs.security_profile.risk_level is accepted but not enforced yet (risk scoring is a later release); nothing is scored or refused by it"),
                (LogLevel.Warning, "ConfigurationNotEnforced", "servers.web.security_profile.risk_level is accepted but not enforced yet (risk scoring is a later release); nothing is scored or refused by it"),
            ],
            logger.Entries);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string? EventName, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Name, formatter(state, exception)));
    }
}
