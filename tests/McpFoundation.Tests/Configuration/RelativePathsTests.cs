using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

/// <summary>A configuration file's relative paths are relative to the file's own directory, wherever the gateway starts.</summary>
[Trait("Category", "Unit")]
public sealed class RelativePathsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mcpf-paths-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadFile_StdioServer_BaseDirectoryIsTheFilesDirectory()
    {
        // Arrange
        var path = Write("""{ "servers": { "local": { "command": ["node", "server.js"], "cwd": "./srv" }, "web": { "url": "https://example.com/mcp" } } }""");

        // Act
        var configuration = GatewayConfigurationLoader.LoadFile(path, NoEnvironment).Configuration!;

        // Assert
        Assert.Equal(_directory, configuration.Servers["local"].BaseDirectory);
        Assert.Equal("./srv", configuration.Servers["local"].Cwd);
        Assert.Null(configuration.Servers["web"].BaseDirectory);
    }

    [Fact]
    public void LoadFile_RelativePathFromAnotherDirectory_BaseDirectoryIsStillTheFilesDirectory()
    {
        // Arrange
        var path = Write("""{ "mcpServers": { "local": { "command": "node", "args": ["server.js"] } } }""");
        var relative = Path.GetRelativePath(System.Environment.CurrentDirectory, path);

        // Act
        var configuration = GatewayConfigurationLoader.LoadFile(relative, NoEnvironment).Configuration!;

        // Assert
        Assert.Equal(_directory, configuration.Servers["local"].BaseDirectory);
    }

    [Fact]
    public void Parse_WithoutSourcePath_HasNoBaseDirectory()
    {
        // Act
        var configuration = Parse("""{ "servers": { "local": { "command": ["node"] } } }""").Configuration!;

        // Assert
        Assert.Null(configuration.Servers["local"].BaseDirectory);
    }

    [Fact]
    public void ParseServerDefinition_AddedAtRunTime_HasNoBaseDirectory()
    {
        // Arrange
        using var document = System.Text.Json.JsonDocument.Parse("""{ "command": ["node"], "cwd": "srv" }""");

        // Act
        var server = GatewayConfigurationLoader.ParseServerDefinition("local", document.RootElement).Configuration!.Servers["local"];

        // Assert
        Assert.Null(server.BaseDirectory);
    }

    [Fact]
    public void Equals_SameServerInFilesInTwoDirectories_IsNotEqual()
    {
        // Arrange
        var server = new ServerDefinition { Name = "local", Command = ["node"] };

        // Act / Assert
        Assert.NotEqual(server with { BaseDirectory = "/a" }, server with { BaseDirectory = "/b" });
        Assert.Equal(server with { BaseDirectory = "/a" }, server with { BaseDirectory = "/a" });
    }

    private string Write(string json)
    {
        var path = Path.Combine(_directory, "gateway.json");
        File.WriteAllText(path, json);
        return path;
    }
}
