using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using McpFoundation.Configuration;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Tests.Configuration;

[Trait("Category", "Unit")]
public sealed class ConfigSectionsTests
{
    [Fact]
    public void Fields_EveryRecordSection_HasOneRulePerRecordProperty()
    {
        // Act: building the rules checks them against the record (it throws on a field without a rule, or a rule without a field).
        var settings = ConfigSections.Settings.Fields.Keys;
        var server = ConfigSections.Servers.Server.Fields.Keys;
        var profile = ConfigSections.Servers.Server.Profile.Fields.Keys;

        // Assert: the JSON names are the documented ones, in the record's order.
        Assert.Equal(["max_servers", "default_timeout", "connect_timeout", "health_check_interval", "log_level", "enable_strict_validation", "emergency_stop_timeout", "audit_log_retention", "max_argument_bytes", "max_string_length", "max_argument_depth", "data_dir"], settings);
        Assert.Equal(["transport", "type", "command", "args", "url", "env", "cwd", "headers", "enabled", "timeout", "connect_timeout", "inherit_env", "security_profile"], server);
        Assert.Equal(["risk_level", "allowed_operations", "max_concurrent_operations", "allowed_file_extensions", "rate_limit", "require_authentication", "allowed_paths", "allowed_hosts", "allow_private_network", "allowed_schemes", "tools", "max_argument_bytes", "max_string_length", "max_argument_depth", "redact_results"], profile);
    }

    [Fact]
    public void RootFields_ListEveryRegisteredSection()
    {
        // Act
        var known = ConfigurationReader.RootFields;

        // Assert
        Assert.All(ConfigSections.All, section => Assert.Contains(section.Key, known));
        Assert.Contains("$schema", known);
        Assert.Contains("mcpServers", known);
    }

    [Fact]
    public void Parse_ValidFile_KeepsEverySectionsValueForItsFeature()
    {
        // Act
        var configuration = GatewayConfigurationLoader.Parse("""{ "servers": { "s": { "command": ["x"] } }, "settings": { "max_servers": 3 } }""", ConfigurationTestData.NoEnvironment).Configuration!;

        // Assert
        Assert.Equal(3, configuration.GetSection<GatewaySettings>("settings")!.MaxServers);
        Assert.Equal(ToolNamespacing.Prefix, configuration.GetSection<ToolNamespacing>("namespacing"));
        Assert.Same(configuration.Servers, configuration.GetSection<IReadOnlyDictionary<string, ServerDefinition>>("servers"));
        Assert.Null(GatewayConfiguration.Empty.GetSection<GatewaySettings>("settings"));
    }

    [Fact]
    public void Bind_NewSectionRecord_ReportsEveryErrorWithItsPathAndSuggestsMisspeltFields()
    {
        // Arrange: what a later feature writes: a record, a validator, (and one line in ConfigSections.All).
        var diagnostics = new ConfigurationDiagnostics();
        var reader = new ConfigurationReader(diagnostics);
        using var document = JsonDocument.Parse("""{ "retention_days": 0, "sink": "nowhere", "batch_szie": 10, "sink": "file" }""");

        // Act
        var bound = new ExampleSectionValidator().Bind(document.RootElement, "audit", reader);
        var result = diagnostics.Finish(GatewayConfiguration.Empty, strict: true);

        // Assert
        Assert.NotNull(bound);
        Assert.Equal(
            [
                "audit.retention_days: must be a whole number from 1 to 3650, e.g. \"retention_days\": 30",
                "audit.sink: must be \"file\" or \"sqlite\", e.g. \"sink\": \"file\"",
                "audit.batch_szie: is not a known field; did you mean \"batch_size\"?",
                "audit.sink: is defined more than once in the same object; keep only one",
            ],
            result.Errors.Select(error => error.ToString()));
    }

    [Fact]
    public void Bind_NewSectionRecord_BindsTheRecordThroughSourceGeneration()
    {
        // Arrange
        var diagnostics = new ConfigurationDiagnostics();
        using var document = JsonDocument.Parse("""{ "retention_days": 7, "sink": "SQLite", "batch_size": null }""");

        // Act
        var bound = new ExampleSectionValidator().Bind(document.RootElement, "audit", new ConfigurationReader(diagnostics));

        // Assert
        Assert.Equal(0, diagnostics.ErrorCount);
        Assert.Equal(new ExampleSection { RetentionDays = 7, Sink = "sqlite" }, bound!.Value);
        Assert.Equal(["retention_days", "sink"], bound.Present);
    }

    [Fact]
    public void Schema_NewSectionRecord_HasEveryFieldWithItsRuleAndNoOtherFields()
    {
        // Act
        var schema = new ExampleSectionValidator().Schema();

        // Assert
        var properties = schema["properties"]!.AsObject();
        Assert.Equal(["retention_days", "sink", "batch_size"], properties.Select(property => property.Key));
        Assert.Equal(3650, (int)properties["retention_days"]!["maximum"]!);
        Assert.Equal("Days to keep.", (string?)properties["retention_days"]!["description"]);
        Assert.False((bool)schema["additionalProperties"]!);
        Assert.Contains("null", properties["batch_size"]!["type"]!.AsArray().Select(type => (string?)type));
    }

    [Fact]
    public void Sections_FileWithEnvAndHeaderSecrets_SchemaAndErrorsNeverHoldThem()
    {
        // Arrange
        const string secret = "sk-live-SECRET-9";
        var json = $$"""{ "servers": { "s": { "url": "https://u:{{secret}}@example.com/mcp", "headers": { "Authorization": 7, "X": "{{secret}}\n" }, "env": { "K": "{{secret}}" } } } }""";

        // Act
        var result = GatewayConfigurationLoader.Parse(json, ConfigurationTestData.NoEnvironment);

        // Assert
        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors.Concat(result.Warnings), error => Assert.DoesNotContain("SECRET", error.ToString(), StringComparison.Ordinal));
    }
}

/// <summary>A section a later feature might add (here: audit), to show what adding one takes.</summary>
internal sealed record ExampleSection
{
    public int? RetentionDays { get; init; }

    public string? Sink { get; init; }

    public int? BatchSize { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ExampleSection))]
internal sealed partial class ExampleSectionJsonContext : JsonSerializerContext;

internal sealed class ExampleSectionValidator() : SectionValidator<ExampleSection>(ExampleSectionJsonContext.Default.ExampleSection)
{
    public override string Description => "An example section.";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"audit\": {\"retention_days\": 30}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["retention_days"] = FieldRule.WholeNumber("Days to keep.", 1, 3650, 30),
        ["sink"] = FieldRule.Choice("Where records go.", ["file", "sqlite"], "must be \"file\" or \"sqlite\", e.g. \"sink\": \"file\""),
        ["batch_size"] = FieldRule.WholeNumber("Records per write.", 1, 10000, 100),
    };
}
