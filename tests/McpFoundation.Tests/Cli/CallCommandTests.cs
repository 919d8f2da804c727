using System.Text.Json;
using McpFoundation.Cli.Commands;

namespace McpFoundation.Tests.Cli;

[Trait("Category", "Unit")]
public sealed class CallCommandTests
{
    [Fact]
    public void TryParseArguments_JsonObject_ReturnsItsProperties()
    {
        bool ok = CallCommand.TryParseArguments("""{"message":"hi","n":2}""", out Dictionary<string, JsonElement>? arguments, out string? problem);

        Assert.True(ok);
        Assert.Null(problem);
        Assert.Equal("hi", arguments!["message"].GetString());
        Assert.Equal(2, arguments["n"].GetInt32());
    }

    [Theory]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("\"text\"", "JSON object")]
    public void TryParseArguments_NotAnObject_ExplainsWhatToWrite(string json, string expected)
    {
        bool ok = CallCommand.TryParseArguments(json, out _, out string? problem);

        Assert.False(ok);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
