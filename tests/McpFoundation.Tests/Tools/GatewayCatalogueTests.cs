using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Tools;
using McpFoundation.Servers;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tests.Tools;

[Trait("Category", "Unit")]
public sealed class GatewayCatalogueTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"message":{"type":"string"}}}""").RootElement.Clone();

    [Fact]
    public void Build_PrefixNamespacing_ExposesServerPrefixedNamesAndRoutesBack()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [("alpha", Catalogue(tools: ["echo"])), ("beta", Catalogue(tools: ["echo"]))],
            ToolNamespacing.Prefix);

        Assert.Equal(["alpha__echo", "beta__echo"], catalogue.Tools.Select(t => t.Name));
        Assert.True(catalogue.TryGetTool("beta__echo", out NamedRoute route));
        Assert.Equal(new NamedRoute("beta", "echo"), route);
        Assert.False(catalogue.TryGetTool("echo", out _));
        Assert.Empty(catalogue.Collisions);
    }

    [Fact]
    public void Build_NoNamespacingWithDuplicateNames_ReportsCollisionNamingBothServers()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [("alpha", Catalogue(tools: ["echo", "only_alpha"])), ("beta", Catalogue(tools: ["echo"]))],
            ToolNamespacing.None);

        string collision = Assert.Single(catalogue.Collisions);
        Assert.Contains("'alpha'", collision, StringComparison.Ordinal);
        Assert.Contains("'beta'", collision, StringComparison.Ordinal);
        Assert.True(catalogue.TryGetTool("echo", out NamedRoute route));
        Assert.Equal("alpha", route.ServerId);
        Assert.Equal(["echo", "only_alpha"], catalogue.Tools.Select(t => t.Name));
    }

    [Fact]
    public void Build_RenamedTool_KeepsEveryOtherField()
    {
        var original = new Tool
        {
            Name = "read_file",
            Title = "Read file",
            Description = "Reads a file",
            InputSchema = Schema,
            Annotations = new ToolAnnotations { ReadOnlyHint = true, DestructiveHint = false },
        };
        var server = new ServerCatalogue([original], [], [], []);

        GatewayCatalogue catalogue = GatewayCatalogue.Build([("fs", server)], ToolNamespacing.Prefix);

        Tool exposed = Assert.Single(catalogue.Tools);
        Assert.Equal("fs__read_file", exposed.Name);
        Assert.Equal("Read file", exposed.Title);
        Assert.Equal("Reads a file", exposed.Description);
        Assert.True(exposed.Annotations?.ReadOnlyHint);
        Assert.False(exposed.Annotations?.DestructiveHint);
        Assert.Equal(Schema.GetRawText(), exposed.InputSchema.GetRawText());
        Assert.Equal("read_file", original.Name);
    }

    [Fact]
    public void FindResourceServer_ExactUriThenTemplate_RoutesToOwningServer()
    {
        var alpha = new ServerCatalogue([], [new Resource { Uri = "alpha://static/1", Name = "one" }], [], []);
        var beta = new ServerCatalogue([], [], [new ResourceTemplate { UriTemplate = "beta://items/{id}", Name = "item" }], []);

        GatewayCatalogue catalogue = GatewayCatalogue.Build([("alpha", alpha), ("beta", beta)], ToolNamespacing.Prefix);

        Assert.Equal("alpha", catalogue.FindResourceServer("alpha://static/1"));
        Assert.Equal("beta", catalogue.FindResourceServer("beta://items/42"));
        Assert.Null(catalogue.FindResourceServer("gamma://nothing"));
        Assert.Equal("beta", catalogue.FindTemplateServer("beta://items/{id}"));
    }

    [Fact]
    public void Build_Prompts_AreNamespacedLikeTools()
    {
        var server = new ServerCatalogue([], [], [], [new Prompt { Name = "greeting" }]);

        GatewayCatalogue catalogue = GatewayCatalogue.Build([("fixture", server)], ToolNamespacing.Prefix);

        Assert.Equal("fixture__greeting", Assert.Single(catalogue.Prompts).Name);
        Assert.True(catalogue.TryGetPrompt("fixture__greeting", out NamedRoute route));
        Assert.Equal("greeting", route.DownstreamName);
    }

    private static ServerCatalogue Catalogue(string[] tools) =>
        new([.. tools.Select(name => new Tool { Name = name, InputSchema = Schema })], [], [], []);
}
