using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The top-level <c>policy</c> section: binds <see cref="PolicySection"/>, checks every rule (<see cref="PolicyRuleChecks"/>)
/// and builds the <see cref="PolicyDefinition"/>; <see langword="null"/> when the file has no policy.
/// </summary>
internal sealed class PolicySectionValidator : SectionValidator<PolicySection>, IConfigSection
{
    /// <summary>The largest <c>decision_timeout_ms</c>.</summary>
    public const int MaxDecisionTimeoutMs = 60_000;

    private readonly PolicyRuleSectionValidator _rule = new();

    public PolicySectionValidator()
        : base(ConfigurationJsonContext.Default.PolicySection)
    {
    }

    public string Key => "policy";

    public override string Description =>
        "The policy: rules that allow, deny or ask for operations, decided on canonical arguments before any server sees a call (docs/policy.md). An explicit deny always wins; ask beats allow.";

    protected override string NotAnObjectMessage =>
        "must be an object, e.g. \"policy\": {\"default\": \"deny\", \"rules\": [{\"id\": \"fs-read\", \"effect\": \"allow\", \"tools\": [\"fs__read_*\"]}]}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element || Bind(element, Key, context.Reader) is not { } bound)
        {
            return null;
        }

        var section = bound.Value;
        var checks = new PolicyRuleChecks(context.Reader.Diagnostics, context.Servers, context.Namespacing);
        var rules = checks.Check(section.Rules ?? [], ConfigurationReader.Join(Key, "rules"));
        var implicitDefault = section.Default is null;
        return new PolicyDefinition
        {
            // With strict validation (the default) a policy that does not say its default denies what no rule allows.
            Default = section.Default switch
            {
                "allow" => PolicyEffect.Allow,
                "deny" => PolicyEffect.Deny,
                _ => context.Settings.EnableStrictValidation ? PolicyEffect.Deny : PolicyEffect.Allow,
            },
            DefaultIsImplicit = implicitDefault,
            Mode = section.Mode == "shadow" ? PolicyMode.Shadow : PolicyMode.Enforce,
            DecisionTimeout = section.DecisionTimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : PolicyDefinition.DefaultDecisionTimeout,
            Rules = rules,
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["default"] = FieldRule.Choice(
            "What happens to a tool call, prompt, resource or completion no rule matches: allow or deny. When left out: deny if settings.enable_strict_validation (MCP_ENABLE_STRICT_VALIDATION) is true (the default), else allow.",
            ["allow", "deny"],
            "must be \"allow\" or \"deny\", e.g. \"default\": \"deny\""),
        ["mode"] = FieldRule.Choice(
            "enforce (default) refuses what the policy denies; shadow only logs it and raises SecurityViolation events, for a safe rollout.",
            ["enforce", "shadow"],
            "must be \"enforce\" or \"shadow\", e.g. \"mode\": \"shadow\""),
        ["decision_timeout_ms"] = FieldRule.WholeNumber(
            "How long one decision (argument checks included) may take, in milliseconds, before it is a deny (fail closed). Default 250.",
            1,
            MaxDecisionTimeoutMs,
            250),
        ["rules"] = new FieldRule(
            "The rules, in any order: an explicit deny always wins over allow and ask, ask beats allow.",
            (value, field) =>
            {
                if (value.ValueKind != JsonValueKind.Array)
                {
                    field.Reader.Diagnostics.Error(field.Path, "must be an array of rules, e.g. \"rules\": [{\"id\": \"fs-read\", \"effect\": \"allow\", \"tools\": [\"fs__read_*\"]}]");
                    return null;
                }

                var rules = new JsonArray();
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    rules.Add(_rule.Bind(item, $"{field.Path}[{index}]", field.Reader)?.Json);
                    index++;
                }

                return rules;
            },
            () => new JsonObject { ["type"] = new JsonArray("array", "null"), ["items"] = RuleSchema() }),
    };

    private JsonObject RuleSchema()
    {
        var schema = _rule.Schema();
        schema["type"] = "object";
        schema["required"] = new JsonArray("id", "effect");
        return schema;
    }
}
