using McpFoundation.Tools;

namespace McpFoundation.Tests.Tools;

[Trait("Category", "Unit")]
public sealed class UriTemplateMatcherTests
{
    [Theory]
    [InlineData("fixture://items/{id}", "fixture://items/7", true)]
    [InlineData("fixture://items/{id}", "fixture://items/7/extra", false)]
    [InlineData("fixture://items/{id}", "fixture://other/7", false)]
    [InlineData("file:///{+path}", "file:///a/b/c.txt", true)]
    [InlineData("demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/text/12", true)]
    [InlineData("search://q{?query,limit}", "search://q?query=x&limit=2", true)]
    [InlineData("a.b://x/{id}", "aXb://x/1", false)]
    public void IsMatch_Template_MatchesOnlyConformingUris(string template, string uri, bool expected)
    {
        var matcher = new UriTemplateMatcher(template);

        Assert.Equal(expected, matcher.IsMatch(uri));
    }
}
