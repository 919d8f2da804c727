using System.Text.Json;
using Json.Schema;
using McpFoundation.Configuration;
using static McpFoundation.Tests.Configuration.ConfigurationTestData;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ConfigurationSchemaTests
{
    private static readonly JsonDocumentOptions JsonWithComments = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(GatewayConfigurationSchema.ToJsonString()));

    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}data{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                data.Add(Path.GetRelativePath(RepositoryRoot(), file));
            }
        }

        return data;
    }

    [Fact]
    public void ShippedSchemaFile_EqualsWhatConfigSchemaPrints()
    {
        // Arrange
        var shipped = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "mcpf.schema.json")).ReplaceLineEndings("\n");

        // Act
        var generated = GatewayConfigurationSchema.ToJsonString();

        // Assert: regenerate with `dotnet run --project src/McpFoundation.Cli -- config schema > docs/mcpf.schema.json`.
        Assert.Equal(generated, shipped);
    }

    [Fact]
    public void ToJsonString_IsAValidDraft202012Schema()
    {
        // Arrange
        using var document = JsonDocument.Parse(GatewayConfigurationSchema.ToJsonString());

        // Act
        var result = MetaSchemas.Draft202012.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        // Assert
        Assert.True(result.IsValid, Describe(result));
        Assert.Equal(GatewayConfigurationSchema.Dialect, document.RootElement.GetProperty("$schema").GetString());
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void SampleFile_ValidatesAgainstTheSchema(string relativePath)
    {
        // Arrange
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), relativePath)), JsonWithComments);

        // Act
        var result = Evaluate(document.RootElement);

        // Assert
        Assert.True(result.IsValid, relativePath + ": " + Describe(result));
    }

    [Fact]
    public void SeedExample_ValidatesAgainstTheSchema()
    {
        // Arrange
        using var document = JsonDocument.Parse(SeedExample);

        // Act
        var result = Evaluate(document.RootElement);

        // Assert
        Assert.True(result.IsValid, Describe(result));
    }

    [Theory]
    [InlineData("""{ "servers": { "s": { "comand": ["x"] } } }""")]
    [InlineData("""{ "servers": { "s": { "command": ["x"], "security_profile": { "risk_level": "extreme" } } } }""")]
    [InlineData("""{ "servers": { "s": { "command": ["x"], "security_profile": { "rate_limit": 0 } } } }""")]
    [InlineData("""{ "servers": { "s": { "command": ["x"], "timeout": 0 } } }""")]
    [InlineData("""{ "servers": { "s": { "command": [] } } }""")]
    [InlineData("""{ "servers": { "web__api": { "command": ["x"] } } }""")]
    [InlineData("""{ "servers": { "s": { "url": "ftp://example.com" } } }""")]
    [InlineData("""{ "servers": {}, "settings": { "max_servers": 0 } }""")]
    [InlineData("""{ "servers": {}, "settings": { "max_server": 3 } }""")]
    [InlineData("""{ "servers": {}, "namespacing": "sideways" }""")]
    [InlineData("""{ "servers": {}, "sevrers": {} }""")]
    [InlineData("""{ "servers": {}, "mcpServers": {} }""")]
    [InlineData("""{ }""")]
    public void Schema_FileTheLoaderRefuses_IsInvalidToo(string json)
    {
        // Arrange
        using var document = JsonDocument.Parse(json);
        Assert.False(Parse(json).IsValid);

        // Act
        var result = Evaluate(document.RootElement);

        // Assert
        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("""{ "$schema": "./docs/mcpf.schema.json", "servers": { "s": { "command": "npx", "args": ["-y", "x"], "timeout": 2.5 } } }""")]
    [InlineData("""{ "servers": { "s": { "type": "Streamable-HTTP", "url": "https://example.com/mcp", "headers": { "X-Key": "k" } } } }""")]
    [InlineData("""{ "servers": { "s": { "command": ["x"], "timeout": null, "security_profile": { "risk_level": "HIGH" } } }, "namespacing": "NONE" }""")]
    [InlineData("""{ "mcpServers": { "s": { "command": "npx" } }, "globalShortcut": "Ctrl+Space" }""")]
    public void Schema_FileTheLoaderAccepts_IsValidToo(string json)
    {
        // Arrange
        using var document = JsonDocument.Parse(json);
        Assert.True(Parse(json).IsValid);

        // Act
        var result = Evaluate(document.RootElement);

        // Assert
        Assert.True(result.IsValid, Describe(result));
    }

    private static EvaluationResults Evaluate(JsonElement instance) =>
        Schema.Value.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });

    private static string Describe(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Key} {error.Value}")));
}
