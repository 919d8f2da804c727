using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class SampleFilesTests
{
    private static readonly string SamplesDirectory = Path.Combine(RepositoryRoot(), "samples");

    [Fact]
    public void LoadFile_GatewaySample_LoadsWithoutErrorsOrWarnings()
    {
        // Act
        var result = GatewayConfigurationLoader.LoadFile(Path.Combine(SamplesDirectory, "gateway.json"), NoEnvironment);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Empty(result.Warnings);
        var servers = result.Configuration!.Servers;
        Assert.Equal(["everything", "filesystem"], servers.Keys);
        Assert.Equal(["npx", "-y", "@modelcontextprotocol/server-everything@2026.8.31", "stdio"], servers["everything"].Command);
        Assert.Equal(["npx", "-y", "@modelcontextprotocol/server-filesystem@2026.8.31", "./data"], servers["filesystem"].Command);
        var profile = servers["filesystem"].SecurityProfile!;
        Assert.Equal("medium", profile.RiskLevel);
        Assert.Equal(["read", "list"], profile.AllowedOperations);
        Assert.Equal([".txt", ".json", ".md"], profile.AllowedFileExtensions);
    }

    [Fact]
    public void LoadFile_ClaudeDesktopSample_HasTheSameServerCommands()
    {
        // Arrange
        var gateway = GatewayConfigurationLoader.LoadFile(Path.Combine(SamplesDirectory, "gateway.json"), NoEnvironment).Configuration!;

        // Act
        var result = GatewayConfigurationLoader.LoadFile(Path.Combine(SamplesDirectory, "claude_desktop_config.json"), NoEnvironment);

        // Assert
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        Assert.Empty(result.Warnings);
        var servers = result.Configuration!.Servers;
        Assert.Equal(gateway.Servers.Keys, servers.Keys);
        Assert.All(servers, pair => Assert.Equal(gateway.Servers[pair.Key].Command, pair.Value.Command));
        Assert.All(servers.Values, server => Assert.Equal(ServerTransport.Stdio, server.Transport));
    }

    [Fact]
    public void SampleData_HelloFile_HasOneLine()
    {
        // Act
        var lines = File.ReadAllLines(Path.Combine(SamplesDirectory, "data", "hello.txt"));

        // Assert
        Assert.Single(lines);
    }
}
