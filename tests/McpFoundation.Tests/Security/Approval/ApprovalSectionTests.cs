using McpFoundation.Configuration;
using McpFoundation.Security.Approval;

namespace McpFoundation.Tests.Security.Approval;

[Trait("Category", "Unit")]
public sealed class ApprovalSectionTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public void Parse_NoApprovalSection_DefaultTimeout()
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse("""{ "servers": {} }""", NoEnvironment);

        Assert.True(result.IsValid);
        Assert.Equal(TimeSpan.FromSeconds(120), (result.Configuration!.GetSection<ApprovalSettings>("approval") ?? ApprovalSettings.Default).Timeout);
    }

    [Fact]
    public void Parse_Timeout_Read()
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse("""{ "servers": {}, "approval": { "timeout": 2.5 } }""", NoEnvironment);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(TimeSpan.FromSeconds(2.5), result.Configuration!.GetSection<ApprovalSettings>("approval")!.Timeout);
    }

    [Theory]
    [InlineData("""{ "servers": {}, "approval": { "timeout": 0 } }""", "approval.timeout")]
    [InlineData("""{ "servers": {}, "approval": { "timeout": 7200 } }""", "approval.timeout")]
    [InlineData("""{ "servers": {}, "approval": { "timeout": "soon" } }""", "approval.timeout")]
    [InlineData("""{ "servers": {}, "approval": { "timout": 10 } }""", "approval.timout")]
    [InlineData("""{ "servers": {}, "approval": 10 }""", "approval")]
    public void Parse_BadApprovalSection_ErrorWithItsPath(string json, string path)
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse(json, NoEnvironment);

        Assert.Contains(result.Errors, e => e.Path == path);
    }
}
