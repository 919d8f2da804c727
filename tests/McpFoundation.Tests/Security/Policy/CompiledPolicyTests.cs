using McpFoundation.Pipeline;
using McpFoundation.Security.Policy;

namespace McpFoundation.Tests.Security.Policy;

[Trait("Category", "Unit")]
[Trait("Category", "Security")]
public sealed class CompiledPolicyTests
{
    private const string AllowThenDeny = """
        { "default": "allow", "rules": [
            { "id": "fs-all", "effect": "allow", "tools": ["fs__*"] },
            { "id": "no-write", "effect": "deny", "tools": ["fs__write_*"] } ] }
        """;

    private const string DenyThenAllow = """
        { "default": "allow", "rules": [
            { "id": "no-write", "effect": "deny", "tools": ["fs__write_*"] },
            { "id": "fs-all", "effect": "allow", "tools": ["fs__*"] } ] }
        """;

    [Theory]
    [InlineData(AllowThenDeny)]
    [InlineData(DenyThenAllow)]
    public void Evaluate_DenyAndAllowMatch_DenyWinsWhateverTheOrder(string policy)
    {
        var compiled = PolicyTestData.Compile(policy);

        var match = compiled.Evaluate(PolicyTestData.Subject("fs__write_file"), null);

        Assert.Equal(PolicyEffect.Deny, match.Effect);
        Assert.Equal("no-write", compiled.RuleAt(match.Rule).Id);
    }

    [Fact]
    public void Evaluate_AskAndAllowMatch_AskWins()
    {
        var compiled = PolicyTestData.Compile("""
            { "rules": [
                { "id": "mail-all", "effect": "allow", "tools": ["mail__*"] },
                { "id": "confirm-send", "effect": "ask", "tools": ["*send*"] } ] }
            """);

        var send = compiled.Evaluate(PolicyTestData.Subject("mail__send_mail"), null);
        var list = compiled.Evaluate(PolicyTestData.Subject("mail__list"), null);

        Assert.Equal((PolicyEffect.Ask, "confirm-send"), (send.Effect, compiled.RuleAt(send.Rule).Id));
        Assert.Equal((PolicyEffect.Allow, "mail-all"), (list.Effect, compiled.RuleAt(list.Rule).Id));
    }

    [Fact]
    public void Evaluate_SeveralDenies_FirstDecidesAndAllAreListed()
    {
        var compiled = PolicyTestData.Compile("""
            { "rules": [
                { "id": "a", "effect": "allow", "tools": ["fs__*"] },
                { "id": "d1", "effect": "deny", "tools": ["fs__rm"] },
                { "id": "d2", "effect": "deny", "tools": ["*rm"] } ] }
            """);
        var subject = PolicyTestData.Subject("fs__rm");

        var match = compiled.Evaluate(subject, null);

        Assert.Equal((PolicyEffect.Deny, "d1", 2), (match.Effect, compiled.RuleAt(match.Rule).Id, match.DenyCount));
        Assert.Equal(["d1", "d2"], compiled.MatchingDenies(subject, null));
    }

    [Theory]
    [InlineData("fs__read_file", true)]
    [InlineData("fs__read", false)] // * needs the underscore before it
    [InlineData("fs__list_dir", true)]
    [InlineData("fs__rea_x", false)]
    [InlineData("fs__read_?", true)]
    [InlineData("web__read_file", false)]
    public void Evaluate_Globs_MatchOnlyWhatTheyName(string tool, bool allowed)
    {
        var compiled = PolicyTestData.Compile("""{ "default": "deny", "rules": [ { "id": "r", "effect": "allow", "tools": ["fs__read_*", "fs__list_*"] } ] }""");

        var match = compiled.Evaluate(PolicyTestData.Subject(tool), null);

        Assert.Equal(allowed ? PolicyEffect.Allow : PolicyEffect.Deny, match.Effect);
        Assert.Equal(!allowed, match.IsDefault);
    }

    [Theory]
    [InlineData("alice", new string[0], true)]
    [InlineData("bob", new[] { "analyst" }, true)]
    [InlineData("bob", new[] { "admin" }, false)]
    [InlineData(null, new string[0], false)]
    public void Evaluate_UsersAndRoles_MatchIdsAndRoleClaims(string? user, string[] roles, bool allowed)
    {
        var compiled = PolicyTestData.Compile("""{ "default": "deny", "rules": [ { "id": "fs-read", "effect": "allow", "tools": ["fs__read_*"], "users": ["alice", "role:analyst"] } ] }""");

        var match = compiled.Evaluate(PolicyTestData.Subject("fs__read_file", user, roles), null);

        Assert.Equal(allowed ? PolicyEffect.Allow : PolicyEffect.Deny, match.Effect);
    }

    [Fact]
    public void Evaluate_ServersAndCategories_NarrowTheRule()
    {
        var compiled = PolicyTestData.Compile("""
            { "default": "allow", "rules": [
                { "id": "no-web", "effect": "deny", "servers": ["web"] },
                { "id": "no-web-lists", "effect": "deny", "servers": ["web"], "categories": ["discovery"] } ] }
            """);

        var webTool = compiled.Evaluate(PolicyTestData.Subject("web__fetch"), null);
        var fsTool = compiled.Evaluate(PolicyTestData.Subject("fs__read"), null);
        var webList = compiled.Evaluate(new PolicySubject(OperationCategory.Discovery, PolicyTargetKind.None, "tools/list", "web", null, []), null);
        var webNotification = compiled.Evaluate(new PolicySubject(OperationCategory.ServerNotification, PolicyTargetKind.None, null, "web", null, []), null);

        Assert.Equal(("no-web", PolicyEffect.Allow), (compiled.RuleAt(webTool.Rule).Id, fsTool.Effect));
        Assert.Equal(("no-web-lists", PolicyEffect.Allow), (compiled.RuleAt(webList.Rule).Id, webNotification.Effect));
        Assert.True(compiled.Governs(OperationCategory.Discovery));
        Assert.False(compiled.Governs(OperationCategory.ServerNotification));
    }

    [Fact]
    public void Evaluate_DefaultDeny_GovernsNamedOperationsButNotListsOrNotifications()
    {
        var compiled = PolicyTestData.Compile("""{ "default": "deny", "rules": [] }""");

        Assert.Equal(PolicyEffect.Deny, compiled.Evaluate(PolicyTestData.Subject("fs__read"), null).Effect);
        Assert.Equal(PolicyEffect.Deny, compiled.Evaluate(new PolicySubject(OperationCategory.ResourceRead, PolicyTargetKind.Resource, "file:///x", "fs", null, []), null).Effect);
        Assert.Equal(PolicyEffect.Allow, compiled.Evaluate(new PolicySubject(OperationCategory.Discovery, PolicyTargetKind.None, "tools/list", null, null, []), null).Effect);
    }

    [Fact]
    public void Evaluate_NamespacingNone_GlobsOverBareNames()
    {
        var compiled = PolicyTestData.Compile("""{ "default": "deny", "rules": [ { "id": "reads", "effect": "allow", "tools": ["read_*"] } ] }""", """, "namespacing": "none" """);

        Assert.Equal(PolicyEffect.Allow, compiled.Evaluate(new PolicySubject(OperationCategory.ToolExecution, PolicyTargetKind.Tool, "read_file", "fs", null, []), null).Effect);
        Assert.Equal(PolicyEffect.Deny, compiled.Evaluate(new PolicySubject(OperationCategory.ToolExecution, PolicyTargetKind.Tool, "write_file", "fs", null, []), null).Effect);
    }

    [Fact]
    public void Evaluate_ResourcesAndPrompts_UseTheirOwnGlobs()
    {
        var compiled = PolicyTestData.Compile("""
            { "default": "deny", "rules": [
                { "id": "docs", "effect": "allow", "resources": ["file:///srv/docs/*"] },
                { "id": "prompts", "effect": "allow", "prompts": ["fs__greet*"] } ] }
            """);

        Assert.Equal(PolicyEffect.Allow, compiled.Evaluate(new PolicySubject(OperationCategory.ResourceRead, PolicyTargetKind.Resource, "file:///srv/docs/a.md", "fs", null, []), null).Effect);
        Assert.Equal(PolicyEffect.Deny, compiled.Evaluate(new PolicySubject(OperationCategory.ResourceRead, PolicyTargetKind.Resource, "file:///etc/passwd", "fs", null, []), null).Effect);
        Assert.Equal(PolicyEffect.Allow, compiled.Evaluate(new PolicySubject(OperationCategory.PromptGet, PolicyTargetKind.Prompt, "fs__greeting", "fs", null, []), null).Effect);
        Assert.Equal(PolicyEffect.Deny, compiled.Evaluate(PolicyTestData.Subject("fs__greeting"), null).Effect); // a prompt rule does not allow a tool
    }

    [Fact]
    public void IsVisible_ConditionalDenyHidesNothing_UnconditionalDenyAndDefaultDenyHide()
    {
        var compiled = PolicyTestData.Compile("""
            { "default": "deny", "rules": [
                { "id": "fs", "effect": "allow", "tools": ["fs__*"] },
                { "id": "no-etc", "effect": "deny", "tools": ["fs__*"], "when": { "path": { "under": ["/etc"] } } },
                { "id": "no-rm", "effect": "deny", "tools": ["fs__rm"] } ] }
            """);

        Assert.True(compiled.IsVisible(PolicyTestData.Subject("fs__read")));
        Assert.False(compiled.IsVisible(PolicyTestData.Subject("fs__rm")));
        Assert.False(compiled.IsVisible(PolicyTestData.Subject("web__fetch")));
    }

    [Fact]
    public void Evaluate_AllowWithThousandRules_AllocatesNothing()
    {
        var rules = string.Join(",", Enumerable.Range(0, 1000).Select(i => $$"""{ "id": "r{{i}}", "effect": "{{(i % 2 == 0 ? "allow" : "deny")}}", "tools": ["fs__tool_{{i}}"], "users": ["role:team{{i % 7}}"] }"""));
        var compiled = PolicyTestData.Compile($$"""{ "default": "deny", "rules": [ {{rules}}, { "id": "reads", "effect": "allow", "tools": ["fs__read_*"] } ] }""");
        var subject = PolicyTestData.Subject("fs__read_file", "alice", "team3");
        compiled.Evaluate(subject, null);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var match = compiled.Evaluate(subject, null);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((PolicyEffect.Allow, "reads"), (match.Effect, compiled.RuleAt(match.Rule).Id));
        Assert.Equal(0, allocated);
    }
}
