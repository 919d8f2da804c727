using McpFoundation.Tools;

namespace McpFoundation.Tests.Tools;

[Trait("Category", "Unit")]
public sealed class UriTemplateMatcherTests
{
    [Theory]
    [InlineData("fixture://items/{id}", "fixture://items/7", true)]
    [InlineData("fixture://items/{id}", "fixture://items/7/extra", false)]
    [InlineData("fixture://items/{id}", "fixture://other/7", false)]
    [InlineData("fixture://items/{id}", "fixture://items/7?x=1", false)]
    [InlineData("file:///{+path}", "file:///a/b/c.txt", true)]
    [InlineData("file:///{+path}", "file:///a/b#fragment", false)]
    [InlineData("file:///{+path}", "FILE:///a", false)]
    [InlineData("demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/text/12", true)]
    [InlineData("search://q{?query,limit}", "search://q?query=x&limit=2", true)]
    [InlineData("search://q{?query,limit}", "search://q", true)]
    [InlineData("search://q{?query,limit}", "search://q?other=1", false)]
    [InlineData("search://q{?query}{&page}", "search://q?query=x&page=3", true)]
    [InlineData("search://q{?params*}", "search://q?any=1&thing=2", true)]
    [InlineData("db://main{/table,row}", "db://main/users/7", true)]
    [InlineData("db://main{/table,row}", "db://main/users/7/extra", false)]
    [InlineData("db://main{/path*}", "db://main/a/b/c/d", true)]
    [InlineData("host://www{.domain*}", "host://www.example.com", true)]
    [InlineData("map://pt{;x,y}", "map://pt;x=1;y=2", true)]
    [InlineData("map://pt{;x,y}", "map://pt;z=1", false)]
    [InlineData("doc://page{#section}", "doc://page#intro", true)]
    [InlineData("x://a/{short:3}", "x://a/abc", true)]
    [InlineData("a.b://x/{id}", "aXb://x/1", false)]
    [InlineData("{+uri}", "anything://at/all", true)]
    public void IsMatch_Template_MatchesOnlyConformingUris(string template, string uri, bool expected)
    {
        var matcher = new UriTemplateMatcher(template);

        Assert.Null(matcher.Problem);
        Assert.Equal(expected, matcher.IsMatch(uri));
    }

    [Theory]
    [InlineData("x://a/{id")]
    [InlineData("x://a/id}")]
    [InlineData("x://a/{{id}}")]
    [InlineData("x://a/{}")]
    [InlineData("x://a/{=id}")]
    [InlineData("x://a/{i d}")]
    [InlineData("x://a/{id:0}")]
    public void IsMatch_InvalidTemplate_MatchesNothing(string template)
    {
        var matcher = new UriTemplateMatcher(template);

        Assert.NotNull(matcher.Problem);
        Assert.False(matcher.IsMatch("x://a/7"));
        Assert.False(matcher.IsAnchored);
    }

    [Fact]
    public void IsMatch_TemplateLongerThanTheLimit_MatchesNothing()
    {
        var matcher = new UriTemplateMatcher("x://a/" + new string('b', UriTemplateMatcher.MaxTemplateLength) + "{id}");

        Assert.NotNull(matcher.Problem);
        Assert.False(matcher.IsMatch("x://a/b"));
    }

    [Theory]
    [Trait("Category", "Security")]
    [InlineData("{+uri}", false)]
    [InlineData("{uri}", false)]
    [InlineData("fixture:{+rest}", false)]
    [InlineData("fixture://{+rest}", false)]
    [InlineData("fixture://{host}/items", false)]
    [InlineData("fixture://it{x}/items", false)]
    [InlineData("fixture://items/{id}", true)]
    [InlineData("fixture://items{/id}", true)]
    [InlineData("search://q{?query}", true)]
    [InlineData("file:///{+path}", true)]
    [InlineData("urn:isbn:{id}", true)]
    [InlineData("fixture://static/hello", true)]
    public void IsAnchored_Template_RequiresSchemeAndWholeAuthority(string template, bool anchored)
    {
        Assert.Equal(anchored, new UriTemplateMatcher(template).IsAnchored);
    }

    [Fact]
    public void CompareSpecificity_LongerLiteralPrefixFirstThenMoreLiterals()
    {
        var root = new UriTemplateMatcher("file:///{+path}");
        var home = new UriTemplateMatcher("file:///home/{+path}");
        var json = new UriTemplateMatcher("file:///home/{name}.json");
        var same = new UriTemplateMatcher("file:///home/{file}");

        Assert.True(home.CompareSpecificity(root) > 0);
        Assert.True(json.CompareSpecificity(home) > 0);
        Assert.Equal(0, same.CompareSpecificity(home));
        Assert.True(root.CompareSpecificity(json) < 0);
    }
}
