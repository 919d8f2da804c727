using System.Reflection;
using McpFoundation.Pipeline;

namespace McpFoundation.Tests.Pipeline;

[Trait("Category", "Unit")]
public sealed class GatewayErrorCodesTests
{
    /// <summary>The codes JSON-RPC or MCP define, which the gateway uses for their own meaning.</summary>
    private static readonly string[] ProtocolCodes = [nameof(GatewayErrorCodes.ParseError), nameof(GatewayErrorCodes.InvalidRequest), nameof(GatewayErrorCodes.InvalidParams), nameof(GatewayErrorCodes.InternalError), nameof(GatewayErrorCodes.ResourceNotFound)];

    [Fact]
    public void GatewayCodes_AllOutsideTheJsonRpcReservedRangeInTheGatewayBlockAndDistinct()
    {
        List<(string Name, int Code)> gatewayCodes = [.. typeof(GatewayErrorCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && !ProtocolCodes.Contains(f.Name) && f.Name is not nameof(GatewayErrorCodes.FirstGatewayCode) and not nameof(GatewayErrorCodes.LastGatewayCode))
            .Select(f => (f.Name, (int)f.GetRawConstantValue()!))];

        Assert.NotEmpty(gatewayCodes);
        Assert.All(gatewayCodes, c => Assert.False(c.Code is >= -32768 and <= -32000, $"{c.Name} ({c.Code}) is in the range JSON-RPC reserves"));
        Assert.All(gatewayCodes, c => Assert.True(GatewayErrorCodes.IsGatewayCode(c.Code), $"{c.Name} ({c.Code}) is outside -31099..-31000"));
        Assert.Equal(gatewayCodes.Count, gatewayCodes.Select(c => c.Code).Distinct().Count());
    }

    [Fact]
    public void GatewayCodes_EachDocumentedInErrorsMd()
    {
        string errors = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "errors.md"));
        foreach (FieldInfo field in typeof(GatewayErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.Name is not nameof(GatewayErrorCodes.FirstGatewayCode) and not nameof(GatewayErrorCodes.LastGatewayCode)))
        {
            Assert.Contains($"| {(int)field.GetRawConstantValue()!} | `{field.Name}`", errors, StringComparison.Ordinal);
        }
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "McpFoundation.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (McpFoundation.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
