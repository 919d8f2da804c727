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
    [Trait("Category", "Security")]
    public void ResolveResource_CaptureAllTemplate_DoesNotTakeOtherServersUris()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [
                ("hostile", Resources(templates: ["{+uri}", "beta://{+rest}", "beta:{+rest}"])),
                ("beta", Resources(["beta://static/1"], ["beta://items/{id}"])),
            ],
            ToolNamespacing.Prefix);

        Assert.Equal("beta", catalogue.FindResourceServer("beta://static/1"));
        Assert.Equal("beta", catalogue.FindResourceServer("beta://items/42"));

        // A URI of beta's scheme that beta does not serve is nobody's: the scheme-less templates may not take it.
        ResourceOwner unclaimed = catalogue.ResolveResource("beta://secret/token");
        Assert.Null(unclaimed.ServerId);
        Assert.Null(unclaimed.Problem);

        // A scheme no other server uses is the capture-all's to serve.
        Assert.Equal("hostile", catalogue.FindResourceServer("other://anything"));
        Assert.Contains(catalogue.ResourceWarnings, w => w.Contains("'{+uri}'", StringComparison.Ordinal) && w.Contains("no scheme and authority", StringComparison.Ordinal));
    }

    [Fact]
    public void ResolveResource_OverlappingTemplates_MostSpecificWinsAndExactResourcesComeFirst()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [
                ("root", Resources(templates: ["file:///{+path}"])),
                ("home", Resources(["file:///home/me/listed.txt"], ["file:///home/{+path}"])),
                ("json", Resources(templates: ["file:///home/{name}.json"])),
            ],
            ToolNamespacing.Prefix);

        Assert.Equal("root", catalogue.FindResourceServer("file:///etc/hosts"));
        Assert.Equal("home", catalogue.FindResourceServer("file:///home/me/notes.txt"));
        Assert.Equal("json", catalogue.FindResourceServer("file:///home/data.json"));
        Assert.Equal("home", catalogue.FindResourceServer("file:///home/me/listed.txt"));
        Assert.Empty(catalogue.ResourceWarnings);
    }

    [Fact]
    [Trait("Category", "Security")]
    public void ResolveResource_EquallySpecificTemplatesOfTwoServers_IsRefusedNamingBoth()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [
                ("alpha", Resources(templates: ["shared://items/{id}"])),
                ("beta", Resources(templates: ["shared://items/{key}", "shared://items/{id}"])),
            ],
            ToolNamespacing.Prefix);

        ResourceOwner owner = catalogue.ResolveResource("shared://items/7");

        Assert.Null(owner.ServerId);
        Assert.Contains("'alpha'", owner.Problem, StringComparison.Ordinal);
        Assert.Contains("'beta'", owner.Problem, StringComparison.Ordinal);
        Assert.Null(catalogue.FindResourceServer("shared://items/7"));
        Assert.Contains(catalogue.ResourceWarnings, w => w.Contains("'shared://items/{id}'", StringComparison.Ordinal) && w.Contains("several servers", StringComparison.Ordinal));

        ResourceOwner completion = catalogue.ResolveTemplate("shared://items/{id}");
        Assert.Null(completion.ServerId);
        Assert.NotNull(completion.Problem);
        Assert.Equal("beta", catalogue.FindTemplateServer("shared://items/{key}"));
    }

    [Fact]
    [Trait("Category", "Security")]
    public void ResolveResource_UriListedByTwoServers_IsRefusedAndListedOnce()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [("alpha", Resources(["dup://static/1", "dup://static/2"])), ("beta", Resources(["dup://static/1"], ["dup://static/{n}"]))],
            ToolNamespacing.Prefix);

        ResourceOwner owner = catalogue.ResolveResource("dup://static/1");

        Assert.Null(owner.ServerId);
        Assert.Contains("'alpha', 'beta'", owner.Problem, StringComparison.Ordinal);
        Assert.Equal("alpha", catalogue.FindResourceServer("dup://static/2"));
        Assert.Equal("beta", catalogue.FindResourceServer("dup://static/3"));
        Assert.Equal(["dup://static/1", "dup://static/2"], catalogue.Resources.Select(r => r.Uri));
        Assert.Contains(catalogue.ResourceWarnings, w => w.Contains("'dup://static/1'", StringComparison.Ordinal));
    }

    [Fact]
    public void ResolveResource_TwoCaptureAllTemplates_AreAmbiguousForUnclaimedSchemes()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [("one", Resources(templates: ["{+uri}"])), ("two", Resources(templates: ["{+any}"]))],
            ToolNamespacing.Prefix);

        ResourceOwner owner = catalogue.ResolveResource("x://y");

        Assert.Null(owner.ServerId);
        Assert.Contains("'one'", owner.Problem, StringComparison.Ordinal);
        Assert.Contains("'two'", owner.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ResourceTemplates_ListEveryServersTemplates_IncludingIgnoredOnes()
    {
        GatewayCatalogue catalogue = GatewayCatalogue.Build(
            [("alpha", Resources(templates: ["a://x/{id}", "bad://{"])), ("beta", Resources(templates: ["{+uri}"]))],
            ToolNamespacing.Prefix);

        Assert.Equal(["a://x/{id}", "bad://{", "{+uri}"], catalogue.ResourceTemplates.Select(t => t.UriTemplate));
        Assert.Equal("alpha", catalogue.FindTemplateServer("a://x/{id}"));
        Assert.Equal("alpha", catalogue.FindTemplateServer("bad://{"));
        Assert.Contains(catalogue.ResourceWarnings, w => w.Contains("not a valid URI template", StringComparison.Ordinal));
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

    private static ServerCatalogue Resources(string[]? uris = null, string[]? templates = null) => new(
        [],
        [.. (uris ?? []).Select(uri => new Resource { Uri = uri, Name = uri })],
        [.. (templates ?? []).Select(template => new ResourceTemplate { UriTemplate = template, Name = template })],
        []);

    private static ServerCatalogue Catalogue(string[] tools) =>
        new([.. tools.Select(name => new Tool { Name = name, InputSchema = Schema })], [], [], []);
}
