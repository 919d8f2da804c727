using System.Text;
using System.Text.Json;
using McpFoundation.Security.Approval;

namespace McpFoundation.Tests.Security.Approval;

[Trait("Category", "Security")]
public sealed class ApprovalBindingTests
{
    [Fact]
    public void CanonicalJson_SortsKeysAtEveryLevelAndDropsWhitespace()
    {
        // Arrange
        IReadOnlyDictionary<string, JsonElement> arguments = Args("""{ "b": 1, "a": { "z": [ 3, { "y": true, "x": null } ], "m": "é\n" } }""");

        // Act
        string canonical = CanonicalJson.ToText(arguments);

        // Assert
        Assert.Equal("""{"a":{"m":"é\n","z":[3,{"x":null,"y":true}]},"b":1}""", canonical);
    }

    [Fact]
    public void CanonicalJson_SortsByOrdinalNotCulture()
    {
        string canonical = CanonicalJson.ToText(Args("""{ "b": 1, "B": 2, "a": 3, "_": 4 }"""));

        Assert.Equal("""{"B":2,"_":4,"a":3,"b":1}""", canonical);
    }

    [Fact]
    public void CanonicalJson_NoArguments_IsAnEmptyObject()
    {
        Assert.Equal("{}", CanonicalJson.ToText(null));
        Assert.Equal("{}", Encoding.UTF8.GetString(CanonicalJson.Write(new Dictionary<string, JsonElement>())));
    }

    [Fact]
    public void Compute_SameArgumentsInAnotherKeyOrderAndSpacing_SameBinding()
    {
        string first = ApprovalBinding.Compute("mail__send", Args("""{"to":"bob@example.com","body":"hi"}"""));
        string second = ApprovalBinding.Compute("mail__send", Args("""{ "body" : "hi",  "to" : "bob@example.com" }"""));

        Assert.Equal(first, second);
        Assert.Equal(64, first.Length);
    }

    [Theory]
    [InlineData("""{"to":"eve@example.com","body":"hi"}""")]
    [InlineData("""{"to":"bob@example.com","body":"hi","cc":"eve@example.com"}""")]
    [InlineData("""{"to":"bob@example.com"}""")]
    [InlineData("""{"to":["bob@example.com"],"body":"hi"}""")]
    [InlineData("""{"to":"bob@example.com","body":"hi "}""")]
    [InlineData("""{"to":"bob@example.com","body":null}""")]
    public void Compute_OtherArguments_OtherBinding(string other)
    {
        string approved = ApprovalBinding.Compute("mail__send", Args("""{"to":"bob@example.com","body":"hi"}"""));

        Assert.NotEqual(approved, ApprovalBinding.Compute("mail__send", Args(other)));
    }

    [Fact]
    public void Compute_OtherTool_OtherBinding()
    {
        IReadOnlyDictionary<string, JsonElement> arguments = Args("""{"path":"/tmp/x"}""");

        Assert.NotEqual(ApprovalBinding.Compute("fs__delete", arguments), ApprovalBinding.Compute("fs__read", arguments));
    }

    [Fact]
    public void Compute_NameAndArgumentsCannotRunIntoEachOther()
    {
        // Without the name's length in the hash, these two would hash the same bytes.
        Assert.NotEqual(ApprovalBinding.Compute("a", Args("{}")), ApprovalBinding.Compute("a{}", null));
    }

    private static Dictionary<string, JsonElement> Args(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }
}
