using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;
using McpFoundation.Security.Policy;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.Tests.Security.Policy;

[Trait("Category", "Unit")]
[Trait("Category", "Security")]
public sealed class PolicyServiceTests
{
    private const string Policy = """
        { "default": "deny", "rules": [
            { "id": "fs", "effect": "allow", "tools": ["fs__*"] },
            { "id": "no-etc", "effect": "deny", "tools": ["fs__*"], "when": { "path": { "under": ["/etc"] } } },
            { "id": "confirm-send", "effect": "ask", "tools": ["mail__send*"] },
            { "id": "mail", "effect": "allow", "tools": ["mail__*"], "when": { "arguments": { "to": { "matches": "@example\\.com$" } } } } ] }
        """;

    [Fact]
    public async Task ValidateOperationAsync_AllowedCall_ValidWithTheDecidingRule()
    {
        var service = Service(Policy);
        var context = PolicyTestData.ToolCall("fs__read_file", PolicyTestData.User("alice"), new { path = "/srv/data/a.txt" });

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.True(decision.IsValid);
        Assert.Equal((PolicyEffect.Allow, "fs", context.CorrelationId), (decision.Effect, decision.RuleIds[0], decision.CorrelationId));
        Assert.Empty(decision.ValidationErrors);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/srv/../etc/shadow")]
    [InlineData("/etc")]
    public async Task ValidateOperationAsync_PathUnderDeniedRoot_DenyNamesTheRule(string path)
    {
        var service = Service(Policy);
        var context = PolicyTestData.ToolCall("fs__read_file", PolicyTestData.User("alice"), new { path });

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.False(decision.IsValid);
        Assert.Equal((PolicyEffect.Deny, GatewayErrorCodes.PolicyDenied, "no-etc"), (decision.Effect, decision.ErrorCode, decision.RuleIds[0]));
        Assert.Contains("rule 'no-etc'", decision.ValidationErrors[0], StringComparison.Ordinal);
        Assert.Contains("/etc", decision.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateOperationAsync_SegmentsNotPrefixes_EtceteraIsNotUnderEtc()
    {
        var service = Service(Policy);
        var context = PolicyTestData.ToolCall("fs__read_file", null, new { path = "/etcetera/x" });

        Assert.True((await service.ValidateOperationAsync(context.Category, context)).IsValid);
    }

    [Fact]
    public async Task ValidateOperationAsync_InspectorReportsCanonicalPath_RulesUseIt()
    {
        // The client wrote a harmless-looking path; the inspector resolved a symlink to /etc.
        var report = new ArgumentReport([new CheckedArgument("path", ArgumentKind.Path, "/srv/link/passwd", "/etc/passwd", "symlink /srv/link → /etc")], [], "read");
        var service = Service(Policy, new ScriptedInspector(_ => ValueTask.FromResult(report)));
        var context = PolicyTestData.ToolCall("fs__read_file", null, new { path = "/srv/link/passwd" });

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.Equal((PolicyEffect.Deny, "no-etc"), (decision.Effect, decision.RuleIds[0]));
        Assert.Same(report.Arguments, decision.CheckedArguments);
    }

    [Fact]
    public async Task ValidateOperationAsync_ArgumentViolation_DenyWithTheViolationsCodeRuleHintAndArgument()
    {
        var violation = new ArgumentViolation("path", "servers.fs.security_profile.allowed_paths", GatewayErrorCodes.ArgumentRejected, "Argument 'path' resolves to /etc/passwd, outside the allowed paths.", "use a path under /srv/data");
        var service = Service(Policy, new ScriptedInspector(_ => ValueTask.FromResult(new ArgumentReport([], [violation], "read"))));
        var context = PolicyTestData.ToolCall("fs__read_file", null, new { path = "/etc/passwd" });

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.Equal(
            (PolicyEffect.Deny, GatewayErrorCodes.ArgumentRejected, "servers.fs.security_profile.allowed_paths", "use a path under /srv/data", "path"),
            (decision.Effect, decision.ErrorCode, decision.RuleIds[0], decision.Hint, decision.Argument));
        Assert.Equal([violation.Message], decision.ValidationErrors);
    }

    [Fact]
    public async Task ValidateOperationAsync_InspectorThrows_DenyFailClosed()
    {
        var service = Service("""{ "default": "allow" }""", new ScriptedInspector(_ => throw new InvalidOperationException("boom")));
        var context = PolicyTestData.ToolCall("fs__read_file");

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.Equal((PolicyEffect.Deny, PolicyService.FailedRule), (decision.Effect, decision.RuleIds[0]));
        Assert.Contains("fails closed", decision.ValidationErrors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("boom", decision.ValidationErrors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateOperationAsync_InspectorOutlastsTheBudget_DenyFailClosed()
    {
        var time = new FakeTimeProvider();
        var never = new TaskCompletionSource<ArgumentReport>();
        var service = Service("""{ "default": "allow", "decision_timeout_ms": 200 }""", new ScriptedInspector(_ => new ValueTask<ArgumentReport>(never.Task)), time);
        var context = PolicyTestData.ToolCall("fs__read_file");

        ValueTask<PolicyDecision> deciding = service.ValidateOperationAsync(context.Category, context);
        Assert.False(deciding.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(200));
        PolicyDecision decision = await deciding;

        Assert.Equal((PolicyEffect.Deny, PolicyService.FailedRule), (decision.Effect, decision.RuleIds[0]));
        Assert.Contains("200 ms", decision.ValidationErrors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateOperationAsync_InspectorSeesTheBudgetInItsToken()
    {
        var time = new FakeTimeProvider();
        CancellationToken seen = default;
        var service = Service("""{ "default": "allow", "decision_timeout_ms": 50 }""", new ScriptedInspector(ct =>
        {
            seen = ct;
            return new ValueTask<ArgumentReport>(Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => ArgumentReport.Empty, TaskScheduler.Default));
        }), time);
        var context = PolicyTestData.ToolCall("fs__read_file");

        ValueTask<PolicyDecision> deciding = service.ValidateOperationAsync(context.Category, context);
        time.Advance(TimeSpan.FromMilliseconds(50));
        PolicyDecision decision = await deciding;

        Assert.True(seen.IsCancellationRequested);
        Assert.Equal(PolicyEffect.Deny, decision.Effect);
    }

    [Fact]
    public async Task ValidateOperationAsync_InspectorAnswersWhenItsBudgetCancelsIt_Denies()
    {
        // An inspector that stops when its token is cancelled and answers with what it has (here: nothing found) must
        // not turn the budget's deny into an allow; before the fix the timers' order decided it.
        var time = new FakeTimeProvider();
        var service = Service("""{ "default": "allow", "decision_timeout_ms": 50 }""", new ScriptedInspector(ct =>
        {
            var answer = new TaskCompletionSource<ArgumentReport>();
            ct.Register(() => answer.TrySetResult(ArgumentReport.Empty));
            return new ValueTask<ArgumentReport>(answer.Task);
        }), time);
        var context = PolicyTestData.ToolCall("fs__read_file");

        ValueTask<PolicyDecision> deciding = service.ValidateOperationAsync(context.Category, context);
        time.Advance(TimeSpan.FromMilliseconds(50));
        PolicyDecision decision = await deciding;

        Assert.Equal((PolicyEffect.Deny, PolicyService.FailedRule), (decision.Effect, decision.RuleIds[0]));
        Assert.Contains("50 ms", decision.ValidationErrors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bob@example.com", PolicyEffect.Allow, "mail")]
    [InlineData("eve@evil.test", PolicyEffect.Deny, "default")]
    public async Task ValidateOperationAsync_ArgumentRegex_DecidesOnTheValue(string to, PolicyEffect effect, string rule)
    {
        var service = Service(Policy);
        var context = PolicyTestData.ToolCall("mail__list", null, new { to });

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.Equal((effect, rule), (decision.Effect, decision.RuleIds[0]));
    }

    [Fact]
    public async Task ValidateOperationAsync_NoRuleMatches_DefaultDenyWithAHint()
    {
        var service = Service(Policy);
        var context = PolicyTestData.ToolCall("web__fetch", PolicyTestData.User("alice"));

        PolicyDecision decision = await service.ValidateOperationAsync(context.Category, context);

        Assert.Equal((PolicyEffect.Deny, "default"), (decision.Effect, decision.RuleIds[0]));
        Assert.Contains("no policy rule allows it for user 'alice'", decision.ValidationErrors[0], StringComparison.Ordinal);
        Assert.Contains("policy.default", decision.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateOperationAsync_NoPolicySection_AllowsByDefault()
    {
        var configuration = GatewayConfigurationLoader.Parse("""{ "servers": { "fs": { "command": ["x"] } } }""", PolicyTestData.NoEnvironment).Configuration!;
        var service = new PolicyService(new GatewayConfigurationProvider(configuration), new NoArgumentChecks(), TimeProvider.System, NullLogger<PolicyService>.Instance);
        var context = PolicyTestData.ToolCall("fs__anything");

        Assert.True((await service.ValidateOperationAsync(context.Category, context)).IsValid);
    }

    [Fact]
    public async Task Filter_Deny_RefusesWithRuleHintAndRaisesAViolation()
    {
        var (filter, violations, events) = Filter(Policy);
        var seen = new List<SecurityViolationEventArgs>();
        violations.Raised += (_, e) => seen.Add(e);
        var context = PolicyTestData.ToolCall("fs__read_file", PolicyTestData.User("alice"), new { path = "/etc/passwd" });

        SecurityDecision decision = await filter.OnRequestAsync(context);
        await events.FlushAsync();

        Assert.False(decision.IsAllowed);
        Assert.Equal((GatewayErrorCodes.PolicyDenied, "policy", "no-etc"), (decision.Code, decision.DeniedBy, decision.Rule));
        Assert.NotNull(decision.Hint);
        SecurityViolationEventArgs violation = Assert.Single(seen);
        Assert.Equal(("fs__read_file", "fs", "alice", context.CorrelationId, false, "no-etc"), (violation.ToolName, violation.ServerId, violation.UserId, violation.CorrelationId, violation.IsShadow, violation.Rule));
    }

    [Fact]
    public async Task Filter_ShadowMode_AllowsAndRaisesAFlaggedViolation()
    {
        var (filter, violations, events) = Filter(Policy.Replace("\"default\": \"deny\",", "\"default\": \"deny\", \"mode\": \"shadow\",", StringComparison.Ordinal));
        var seen = new List<SecurityViolationEventArgs>();
        violations.Raised += (_, e) => seen.Add(e);
        var context = PolicyTestData.ToolCall("fs__read_file", null, new { path = "/etc/passwd" });

        SecurityDecision decision = await filter.OnRequestAsync(context);
        await events.FlushAsync();

        Assert.True(decision.IsAllowed);
        SecurityViolationEventArgs violation = Assert.Single(seen);
        Assert.True(violation.IsShadow);
        Assert.Equal(("no-etc", GatewayErrorCodes.PolicyDenied), (violation.Rule, violation.ErrorCode));
    }

    [Fact]
    public async Task Filter_Ask_WithoutAnApprovalBroker_ApprovalUnavailableNamingTheRule()
    {
        var (filter, _, _) = Filter(Policy);
        var context = PolicyTestData.ToolCall("mail__send_mail", null, new { to = "bob@example.com" });

        SecurityDecision decision = await filter.OnRequestAsync(context);

        Assert.Equal((GatewayErrorCodes.ApprovalUnavailable, "confirm-send"), (decision.Code, decision.Rule));
        Assert.Contains("needs approval (rule confirm-send)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_CategoryThePolicyDoesNotGovern_PassesWithoutADecision()
    {
        var inspected = 0;
        var (filter, _, _) = Filter(Policy, new ScriptedInspector(_ =>
        {
            inspected++;
            return ValueTask.FromResult(ArgumentReport.Empty);
        }));
        var notification = new OperationContext(OperationCategory.ServerNotification, "notifications/progress");

        SecurityDecision decision = await filter.OnRequestAsync(notification);

        Assert.True(decision.IsAllowed);
        Assert.Equal(0, inspected);
    }

    [Fact]
    public void IsVisible_RolesFromEveryRoleClaimType()
    {
        var service = Service("""{ "default": "deny", "rules": [ { "id": "analysts", "effect": "allow", "tools": ["fs__read_*"], "users": ["role:analyst"] } ] }""");
        var viaRoles = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim("sub", "carol"), new System.Security.Claims.Claim("roles", "viewer analyst")], "jwt"));

        Assert.True(service.IsVisible(PolicyTestData.User("bob", "analyst"), PolicyTargetKind.Tool, "fs__read_file", "fs"));
        Assert.True(service.IsVisible(viaRoles, PolicyTargetKind.Tool, "fs__read_file", "fs"));
        Assert.False(service.IsVisible(PolicyTestData.User("bob"), PolicyTargetKind.Tool, "fs__read_file", "fs"));
    }

    private static PolicyService Service(string policy, IArgumentInspector? inspector = null, TimeProvider? time = null) =>
        new(new GatewayConfigurationProvider(PolicyTestData.Configuration(policy)), inspector ?? new NoArgumentChecks(), time ?? TimeProvider.System, NullLogger<PolicyService>.Instance);

    private static (PolicyFilter Filter, SecurityViolations Violations, GatewayEvents Events) Filter(string policy, IArgumentInspector? inspector = null)
    {
        var events = new GatewayEvents(NullLogger<GatewayEvents>.Instance);
        var violations = new SecurityViolations(events);
        return (new PolicyFilter(Service(policy, inspector), new ApprovalUnavailableBroker(), violations, NullLogger<PolicyFilter>.Instance), violations, events);
    }

    private sealed class ScriptedInspector(Func<CancellationToken, ValueTask<ArgumentReport>> inspect) : IArgumentInspector
    {
        public ValueTask<ArgumentReport> InspectAsync(OperationContext context, CancellationToken cancellationToken) => inspect(cancellationToken);
    }
}
