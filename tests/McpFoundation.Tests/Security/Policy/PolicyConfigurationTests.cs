using McpFoundation.Configuration;
using McpFoundation.Security.Policy;

namespace McpFoundation.Tests.Security.Policy;

[Trait("Category", "Unit")]
public sealed class PolicyConfigurationTests
{
    [Theory]
    [InlineData("""{ "rules": [ { "effect": "deny" } ] }""", "policy.rules[0].id", "is required")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny" }, { "id": "a", "effect": "allow" } ] }""", "policy.rules[1].id", "repeats the id \"a\" of policy.rules[0]")]
    [InlineData("""{ "rules": [ { "id": "a" } ] }""", "policy.rules[0].effect", "is required")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "block" } ] }""", "policy.rules[0].effect", "must be \"allow\", \"deny\" or \"ask\"")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "tools": ["fs__[ab]"] } ] }""", "policy.rules[0].tools[0]", "do not support")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "tools": ["fs__ok", ""] } ] }""", "policy.rules[0].tools[1]", "non-empty string")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "tools": ["github__*"] } ] }""", "policy.rules[0].tools[0]", "can never match")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "servers": ["fs"], "tools": ["web__*"] } ] }""", "policy.rules[0].tools[0]", "can never match")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "tools": [] } ] }""", "policy.rules[0].tools", "is empty, so the rule can never match")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "servers": ["nope"] } ] }""", "policy.rules[0].servers[0]", "is not a configured server")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "categories": ["tools"] } ] }""", "policy.rules[0].categories[0]", "is not a category")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "tools": ["fs__*"], "categories": ["discovery"] } ] }""", "policy.rules[0].categories", "can never match")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "users": ["role:"] } ] }""", "policy.rules[0].users[0]", "names no role")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "when": { "path": { "under": ["etc"] } } } ] }""", "policy.rules[0].when.path.under[0]", "not an absolute path")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "when": { "arguments": { "to": { "matches": "(" } } } } ] }""", "policy.rules[0].when.arguments.to.matches", "not a valid regular expression")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "when": { "arguments": { "to": { "matches": "(a)\\1" } } } } ] }""", "policy.rules[0].when.arguments.to.matches", "linear-time")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "when": {} } ] }""", "policy.rules[0].when", "is empty")]
    [InlineData("""{ "rules": [ { "id": "a", "effect": "deny", "toools": ["fs__*"] } ] }""", "policy.rules[0].toools", "did you mean \"tools\"")]
    [InlineData("""{ "default": "maybe" }""", "policy.default", "must be \"allow\" or \"deny\"")]
    [InlineData("""{ "mode": "audit" }""", "policy.mode", "must be \"enforce\" or \"shadow\"")]
    [InlineData("""{ "decision_timeout_ms": 0 }""", "policy.decision_timeout_ms", "")]
    [InlineData("""{ "rules": {} }""", "policy.rules", "must be an array of rules")]
    [InlineData("""[]""", "policy", "must be an object")]
    public void Parse_BadPolicy_ErrorWithItsJsonPath(string policy, string path, string message)
    {
        ConfigurationLoadResult result = PolicyTestData.Parse(policy);

        Assert.False(result.IsValid);
        ConfigurationError error = Assert.Single(result.Errors, e => e.Path == path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralBadRules_ReportsEveryError()
    {
        ConfigurationLoadResult result = PolicyTestData.Parse("""{ "rules": [ { "effect": "deny" }, { "id": "b", "effect": "deny", "tools": ["x__*"] }, { "id": "c", "effect": "deny", "servers": ["zz"] } ] }""");

        Assert.Equal(["policy.rules[0].id", "policy.rules[1].tools[0]", "policy.rules[2].servers[0]"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_AllowCoveredByADeny_Warning()
    {
        ConfigurationLoadResult result = PolicyTestData.Parse("""
            { "rules": [
                { "id": "no-fs", "effect": "deny", "tools": ["fs__*"] },
                { "id": "fs-read", "effect": "allow", "tools": ["fs__read_*"], "users": ["alice"] },
                { "id": "no-etc", "effect": "deny", "tools": ["web__*"], "when": { "path": { "under": ["/etc"] } } },
                { "id": "web", "effect": "allow", "tools": ["web__*"] } ] }
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        ConfigurationError warning = Assert.Single(result.Warnings, w => w.Path.StartsWith("policy", StringComparison.Ordinal));
        Assert.Equal("policy.rules[1]", warning.Path);
        Assert.Contains("deny rule \"no-fs\" (policy.rules[0])", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IssueExample_ReadsEveryField()
    {
        GatewayConfiguration configuration = PolicyTestData.Configuration("""
            {
              "default": "deny", "mode": "shadow", "decision_timeout_ms": 100,
              "rules": [
                { "id": "fs-read", "effect": "allow", "tools": ["fs__read_*", "fs__list_*"], "users": ["alice", "role:analyst"] },
                { "id": "no-etc", "effect": "deny", "tools": ["fs__*"], "when": { "path": { "under": ["/etc/", "/root"] } } },
                { "id": "confirm-mail", "effect": "ask", "tools": ["*send*"], "description": "mail leaves the company" }
              ]
            }
            """);

        PolicyDefinition policy = configuration.GetSection<PolicyDefinition>("policy")!;
        Assert.Equal((PolicyEffect.Deny, PolicyMode.Shadow, TimeSpan.FromMilliseconds(100)), (policy.Default, policy.Mode, policy.DecisionTimeout));
        Assert.Equal(["fs-read", "no-etc", "confirm-mail"], policy.Rules.Select(r => r.Id));
        Assert.Equal(["/etc", "/root"], policy.Rules[1].When!.PathUnder);
        Assert.Equal("mail leaves the company", policy.Rules[2].Description);
    }

    [Theory]
    [InlineData(null, PolicyEffect.Deny)]
    [InlineData("false", PolicyEffect.Allow)]
    [InlineData("true", PolicyEffect.Deny)]
    public void Parse_NoDefault_DenyWhenStrictValidation(string? strict, PolicyEffect expected)
    {
        var environment = strict is null ? PolicyTestData.NoEnvironment : new Dictionary<string, string?> { ["MCP_ENABLE_STRICT_VALIDATION"] = strict };

        GatewayConfiguration configuration = PolicyTestData.Configuration("""{ "rules": [] }""", environment: environment);

        PolicyDefinition policy = configuration.GetSection<PolicyDefinition>("policy")!;
        Assert.Equal((expected, true), (policy.Default, policy.DefaultIsImplicit));
    }

    [Fact]
    public void Parse_NoPolicy_NoSectionAndNoFilterNeeded()
    {
        ConfigurationLoadResult result = GatewayConfigurationLoader.Parse("""{ "servers": { "fs": { "command": ["x"] } } }""", PolicyTestData.NoEnvironment);

        Assert.Null(result.Configuration!.GetSection<PolicyDefinition>("policy"));
        Assert.False(PolicyInstallation.IsRequired(result.Configuration));
        Assert.True(PolicyInstallation.IsRequired(PolicyTestData.Configuration("""{ "default": "allow" }""")));
    }
}
