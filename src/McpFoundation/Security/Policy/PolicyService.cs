using System.Security.Claims;
using System.Text.RegularExpressions;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The policy's one entry point (<see cref="IPolicyService"/>): the argument inspector first (any violation is a deny
/// with the violation's code, rule, hint and argument), then the compiled rules of the configuration snapshot in force.
/// A check that throws, is cancelled or outlasts <c>policy.decision_timeout_ms</c> is a deny (fail closed).
/// </summary>
internal sealed partial class PolicyService : IPolicyService
{
    /// <summary>The rule id of a decision no rule made.</summary>
    public const string DefaultRule = "default";

    /// <summary>The rule id of a decision that could not be made (a check threw or timed out).</summary>
    public const string FailedRule = "policy.decision_timeout_ms";

    private static readonly string[] RoleClaimTypes = [ClaimTypes.Role, "role", "roles"];

    private readonly GatewayConfigurationProvider _configuration;
    private readonly IArgumentInspector _inspector;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private Compiled? _compiled;

    public PolicyService(GatewayConfigurationProvider configuration, IArgumentInspector inspector, TimeProvider timeProvider, ILogger<PolicyService> logger)
    {
        _configuration = configuration;
        _inspector = inspector;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the policy compiled from the configuration snapshot in force (compiled once per snapshot).</summary>
    public CompiledPolicy Current => Snapshot.Policy;

    /// <summary>
    /// Gets a value indicating whether the snapshot in force asks for the policy step at all (a <c>policy</c> section or a
    /// server with a <c>security_profile</c>: <see cref="PolicyInstallation.IsRequired"/>); when not, the filter lets
    /// everything pass without a decision, as a gateway without a policy always has. Read per snapshot, so a reload that
    /// adds the first policy takes effect at once.
    /// </summary>
    public bool IsEnforced => Snapshot.Enforced;

    private Compiled Snapshot
    {
        get
        {
            var configuration = _configuration.Current;
            var compiled = Volatile.Read(ref _compiled);
            if (compiled is null || !ReferenceEquals(compiled.Source, configuration))
            {
                compiled = new Compiled(configuration, Compile(configuration), PolicyInstallation.IsRequired(configuration));
                Volatile.Write(ref _compiled, compiled);
            }

            return compiled;
        }
    }

    /// <summary>Compiles the <c>policy</c> section of a configuration; a policy that allows everything when it has none.</summary>
    public static CompiledPolicy Compile(GatewayConfiguration configuration) =>
        configuration.GetSection<PolicyDefinition>(ConfigSectionsKey) is { } definition
            ? CompiledPolicy.Compile(definition)
            : CompiledPolicy.AllowAll;

    private const string ConfigSectionsKey = "policy";

    public async ValueTask<PolicyDecision> ValidateOperationAsync(OperationCategory category, OperationContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = Current;
        var timeout = policy.Definition.DecisionTimeout;
        ArgumentReport report;
        try
        {
            report = await InspectAsync(context, timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            var why = cancellationToken.IsCancellationRequested
                ? "the check was cancelled"
                : $"the argument checks did not finish within {timeout.TotalMilliseconds:0} ms (policy.decision_timeout_ms)";
            LogCheckFailed(_logger, context.Method, context.TargetName, why, context.CorrelationId, null);
            return Failed(context, why);
        }
        catch (Exception ex)
        {
            LogCheckFailed(_logger, context.Method, context.TargetName, "the argument checks failed", context.CorrelationId, ex);
            return Failed(context, "the argument checks failed (see the gateway log)");
        }

        if (!report.IsClean)
        {
            return Violation(context, report);
        }

        var subject = SubjectOf(category, context, policy.UsesRoles);
        Func<PolicyArguments>? arguments = policy.HasConditions ? () => new PolicyArguments(context.Arguments, report) : null;
        PolicyMatch match;
        try
        {
            match = policy.Evaluate(in subject, arguments);
        }
        catch (RegexMatchTimeoutException)
        {
            const string Why = "a rule's regular expression ran too long on the arguments";
            LogCheckFailed(_logger, context.Method, context.TargetName, Why, context.CorrelationId, null);
            return Failed(context, Why);
        }

        return Decision(policy, in subject, match, context, report, arguments);
    }

    /// <summary>
    /// Whether <paramref name="user"/> may attempt <paramref name="name"/> at all (no arguments): false only when an
    /// unconditional deny matches, or the default denies and no allow or ask rule could match. For per-user lists.
    /// </summary>
    public bool IsVisible(ClaimsPrincipal user, PolicyTargetKind kind, string name, string? serverId) => IsVisible(Current, user, kind, name, serverId);

    /// <summary>Whether <paramref name="user"/> may attempt <paramref name="name"/> under <paramref name="policy"/> (a snapshot other than the one in force: what a reload changes).</summary>
    public static bool IsVisible(CompiledPolicy policy, ClaimsPrincipal user, PolicyTargetKind kind, string name, string? serverId)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(user);
        var category = kind switch
        {
            PolicyTargetKind.Prompt => OperationCategory.PromptGet,
            PolicyTargetKind.Resource => OperationCategory.ResourceRead,
            _ => OperationCategory.ToolExecution,
        };
        var subject = new PolicySubject(category, kind, name, serverId, Sessions.SessionRegistry.UserIdOf(user), policy.UsesRoles ? RolesOf(user) : []);
        return policy.IsVisible(in subject);
    }

    /// <summary>Gets the caller's roles: the values of its role claims (ClaimTypes.Role, <c>role</c>, <c>roles</c>, and the identity's role claim type).</summary>
    public static IReadOnlyList<string> RolesOf(ClaimsPrincipal user)
    {
        var roles = new List<string>();
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                if (RoleClaimTypes.Contains(claim.Type, StringComparer.Ordinal) || claim.Type == identity.RoleClaimType)
                {
                    foreach (var role in claim.Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        roles.Add(role);
                    }
                }
            }
        }

        return roles;
    }

    internal static PolicySubject SubjectOf(OperationCategory category, OperationContext context, bool withRoles)
    {
        var kind = category switch
        {
            OperationCategory.ToolExecution => PolicyTargetKind.Tool,
            OperationCategory.PromptGet => PolicyTargetKind.Prompt,
            OperationCategory.ResourceRead or OperationCategory.ResourceSubscription => PolicyTargetKind.Resource,
            OperationCategory.Completion => context.Target?.Prompt is not null ? PolicyTargetKind.Prompt : PolicyTargetKind.Resource,
            _ => PolicyTargetKind.None,
        };
        return new PolicySubject(category, kind, context.TargetName, context.ServerId, context.UserId, withRoles ? RolesOf(context.User) : []);
    }

    private async ValueTask<ArgumentReport> InspectAsync(OperationContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The budget cancels the inspector's token; an inspector that does not listen is still waited for no longer.
        // Its timer starts only when the inspection did not finish at once (it awaits only for DNS), so a plain call
        // arms no timer.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inspection = _inspector.InspectAsync(context, budget.Token);
        if (inspection.IsCompletedSuccessfully)
        {
            return inspection.Result;
        }

        using ITimer timer = _timeProvider.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), budget, timeout, Timeout.InfiniteTimeSpan);
        ArgumentReport report = await inspection.AsTask().WaitAsync(timeout, _timeProvider, cancellationToken);

        // A report that comes once the budget has cancelled the inspector's token may be cut short (an inspector that
        // stops checking when told to, and answers what it has): it is not trusted, and the budget's deny stands.
        if (budget.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"The argument checks answered after their budget of {timeout.TotalMilliseconds:0} ms.");
        }

        return report;
    }

    private static PolicyDecision Decision(CompiledPolicy policy, in PolicySubject subject, PolicyMatch match, OperationContext context, ArgumentReport report, Func<PolicyArguments>? arguments)
    {
        var shadow = policy.Definition.Mode == PolicyMode.Shadow;
        var ruleId = match.IsDefault ? DefaultRule : policy.RuleAt(match.Rule).Id;
        if (match.Effect == PolicyEffect.Allow)
        {
            return new PolicyDecision
            {
                Effect = PolicyEffect.Allow,
                RuleIds = match.IsDefault ? DefaultRuleIds : [ruleId],
                CorrelationId = context.CorrelationId,
                CheckedArguments = report.Arguments,
                IsShadow = shadow,
            };
        }

        var what = PolicyWording.Describe(context);
        if (match.Effect == PolicyEffect.Ask)
        {
            var rule = policy.RuleAt(match.Rule);
            return new PolicyDecision
            {
                Effect = PolicyEffect.Ask,
                ValidationErrors = [$"{what} needs the caller's approval (policy rule '{rule.Id}'{PolicyWording.About(rule)})."],
                RuleIds = [ruleId],
                CorrelationId = context.CorrelationId,
                ErrorCode = GatewayErrorCodes.ApprovalUnavailable,
                Hint = $"approve the call when asked, or change policy rule '{rule.Id}' if it should not need approval",
                CheckedArguments = report.Arguments,
                IsShadow = shadow,
            };
        }

        string message;
        string hint;
        IReadOnlyList<string> ruleIds;
        if (match.IsDefault)
        {
            message = $"The policy denies {what}: no policy rule allows it{PolicyWording.For(context)} and the policy's default is deny{(policy.Definition.DefaultIsImplicit ? " (policy.default is not set and strict validation is on)" : string.Empty)}.";
            hint = $"add a rule with \"effect\": \"allow\" that matches '{context.TargetName}' to policy.rules, or set policy.default to \"allow\"";
            ruleIds = DefaultRuleIds;
        }
        else
        {
            var rule = policy.RuleAt(match.Rule);
            message = $"The policy denies {what}: rule '{rule.Id}'{PolicyWording.About(rule)} refuses it{PolicyWording.For(context)}.";
            hint = rule.When is not null
                ? $"rule '{rule.Id}' refuses these arguments ({PolicyWording.Conditions(rule.When)}); change them, or ask an administrator to change the rule"
                : $"ask an administrator to change policy rule '{rule.Id}' if this operation should be allowed";
            ruleIds = match.DenyCount > 1 ? [ruleId, .. policy.MatchingDenies(in subject, arguments).Where(id => id != ruleId)] : [ruleId];
        }

        return new PolicyDecision
        {
            Effect = PolicyEffect.Deny,
            ValidationErrors = [message],
            RuleIds = ruleIds,
            CorrelationId = context.CorrelationId,
            ErrorCode = GatewayErrorCodes.PolicyDenied,
            Hint = hint,
            CheckedArguments = report.Arguments,
            IsShadow = shadow,
        };
    }

    private static readonly string[] DefaultRuleIds = [DefaultRule];

    private static PolicyDecision Violation(OperationContext context, ArgumentReport report)
    {
        var first = report.Violations[0];
        return new PolicyDecision
        {
            Effect = PolicyEffect.Deny,
            ValidationErrors = [.. report.Violations.Select(static v => v.Message)],
            RuleIds = [.. report.Violations.Select(static v => v.Rule).Distinct(StringComparer.Ordinal)],
            CorrelationId = context.CorrelationId,
            ErrorCode = first.Code,
            Hint = first.Hint,
            Argument = first.Argument is { Length: > 0 } argument ? argument : null, // "" is a violation about the whole call
            CheckedArguments = report.Arguments,
        };
    }

    private static PolicyDecision Failed(OperationContext context, string why) => new()
    {
        Effect = PolicyEffect.Deny,
        ValidationErrors = [$"The policy denies {PolicyWording.Describe(context)} because the decision could not be made: {why}; the gateway fails closed."],
        RuleIds = [FailedRule],
        CorrelationId = context.CorrelationId,
        ErrorCode = GatewayErrorCodes.PolicyDenied,
        Hint = "retry; if it keeps failing, see the gateway log for this correlation id, or raise policy.decision_timeout_ms",
    };

    [LoggerMessage(EventId = 2100, EventName = "PolicyCheckFailed", Level = LogLevel.Warning, Message = "The policy could not decide {Method} {Target} ({Why}); denied (fail closed) [{CorrelationId}]")]
    private static partial void LogCheckFailed(ILogger logger, string method, string? target, string why, string correlationId, Exception? exception);

    private sealed record Compiled(GatewayConfiguration Source, CompiledPolicy Policy, bool Enforced);
}
