using McpFoundation.Tools;

namespace McpFoundation.Tests.Tools;

[Trait("Category", "Unit")]
public sealed class ToolNameSuggestionsTests
{
    private static readonly string[] Exposed = ["everything__echo", "everything__add", "fixture__echo", "fixture__fail", "fixture__log"];

    [Fact]
    public void For_BareNameWithPrefixNamespacing_SuggestsTheNamespacedForms()
    {
        Assert.Equal(["everything__echo", "fixture__echo"], ToolNameSuggestions.For("echo", Exposed));
    }

    [Fact]
    public void For_TypoInNamespacedName_SuggestsTheCloseName()
    {
        Assert.Equal(["fixture__echo"], ToolNameSuggestions.For("fixture__ecko", Exposed));
    }

    [Fact]
    public void For_TypoInBareName_SuggestsNamespacedNamesOfTheCloseTool()
    {
        Assert.Equal(["everything__echo", "fixture__echo"], ToolNameSuggestions.For("ecko", Exposed));
    }

    [Fact]
    public void For_NamespacedNameWithoutNamespacing_SuggestsTheBareName()
    {
        Assert.Equal(["echo"], ToolNameSuggestions.For("everything__echo", ["echo", "add"]));
    }

    [Fact]
    public void For_ManyServersOfferTheTool_SuggestsAtMostThree()
    {
        string[] exposed = ["a__echo", "b__echo", "c__echo", "d__echo", "e__echo"];

        Assert.Equal(ToolNameSuggestions.MaxSuggestions, ToolNameSuggestions.For("echo", exposed).Count);
    }

    [Theory]
    [InlineData("fixture__nope")]
    [InlineData("")]
    public void For_NothingClose_SuggestsNothing(string name)
    {
        Assert.Empty(ToolNameSuggestions.For(name, Exposed));
    }

    [Fact]
    public void For_VeryLongName_SuggestsNothing()
    {
        Assert.Empty(ToolNameSuggestions.For(new string('e', 100_000) + "__echo", Exposed));
    }

    [Fact]
    public void Sentence_OneOrSeveral_NamesEachQuoted()
    {
        Assert.Equal("", ToolNameSuggestions.Sentence([]));
        Assert.Equal("Did you mean 'a__echo'?", ToolNameSuggestions.Sentence(["a__echo"]));
        Assert.Equal("Did you mean 'a__echo', 'b__echo' or 'c__echo'?", ToolNameSuggestions.Sentence(["a__echo", "b__echo", "c__echo"]));
    }
}
