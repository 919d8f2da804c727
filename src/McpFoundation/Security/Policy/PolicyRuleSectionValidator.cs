using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Security.Policy;

/// <summary>Binds one object of <c>policy.rules</c>; the checks between fields and across rules are <see cref="PolicyRuleChecks"/>.</summary>
internal sealed class PolicyRuleSectionValidator : SectionValidator<PolicyRuleSection>
{
    private readonly PolicyWhenSectionValidator _when = new();

    public PolicyRuleSectionValidator()
        : base(ConfigurationJsonContext.Default.PolicyRuleSection)
    {
    }

    public override string Description => "One rule: an effect (allow, deny, ask) for the operations it matches. Every field that is set must match; a field left out matches everything.";

    protected override string NotAnObjectMessage =>
        "must be an object, e.g. {\"id\": \"no-etc\", \"effect\": \"deny\", \"tools\": [\"fs__*\"], \"when\": {\"path\": {\"under\": [\"/etc\"]}}}";

    /// <summary>A list of strings (globs, ids, names): each item a non-empty string.</summary>
    internal static FieldRule Strings(string description, string example, string itemExample) => new(
        description,
        (value, field) => SecurityProfileSectionValidator.Strings(field.Reader.ReadStringList(
            value,
            field.Path,
            allowEmptyItems: false,
            $"must be an array of strings, e.g. \"{field.Name}\": {example}",
            $"must be a non-empty string, e.g. {itemExample}")),
        () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 }, ["examples"] = JsonNode.Parse("[" + example + "]") });

    /// <summary>A required field's rule whose invalid value binds as an empty string, so that it is not reported as missing too.</summary>
    private static FieldRule Reported(FieldRule rule) => new(rule.Description, (value, field) => rule.Read(value, field) ?? JsonValue.Create(string.Empty), () => rule.SchemaOverride() ?? []);

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["id"] = new FieldRule(
            "The rule's id (required, unique): denials name it in data.rule.",
            static (value, field) =>
            {
                if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    field.Reader.Diagnostics.Error(field.Path, "must be a non-empty string naming the rule, e.g. \"id\": \"no-etc\"");
                    return JsonValue.Create(string.Empty); // reported: not "missing" too.
                }

                return JsonValue.Create(value.GetString()!.Trim());
            },
            static () => new JsonObject { ["minLength"] = 1, ["pattern"] = "\\S", ["examples"] = new JsonArray("no-etc") }),
        ["effect"] = Reported(FieldRule.Choice(
            "What the rule decides: allow, deny (always wins, whatever the order) or ask (the caller approves the exact call; beats allow).",
            ["allow", "deny", "ask"],
            "must be \"allow\", \"deny\" or \"ask\", e.g. \"effect\": \"deny\"")),
        ["description"] = new FieldRule(
            "What the rule is for (quoted in its denials).",
            static (value, field) =>
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    field.Reader.Diagnostics.Error(field.Path, "must be a string, e.g. \"description\": \"analysts read only\"");
                    return null;
                }

                return JsonValue.Create(value.GetString());
            }),
        ["tools"] = Strings("Globs over exposed tool names (<server>__<tool>, or the bare name with \"namespacing\": \"none\"): * any run of characters, ? one.", "[\"fs__read_*\"]", "\"fs__read_*\""),
        ["prompts"] = Strings("Globs over exposed prompt names (<server>__<prompt>).", "[\"docs__*\"]", "\"docs__*\""),
        ["resources"] = Strings("Globs over resource URIs, e.g. [\"file:///srv/*\"].", "[\"file:///srv/*\"]", "\"file:///srv/*\""),
        ["servers"] = Strings("Server ids (names under \"servers\") the rule applies to.", "[\"fs\"]", "\"fs\""),
        ["users"] = Strings("User ids, or role:<role> for callers with that role claim (role, roles or ClaimTypes.Role).", "[\"alice\", \"role:analyst\"]", "\"alice\" or \"role:analyst\""),
        ["categories"] = Strings(
            "Operation categories: tool_execution, resource_read, resource_subscription, prompt_get, completion, discovery, logging_level, server_to_client_request, server_notification, client_input_response.",
            "[\"tool_execution\"]",
            "\"tool_execution\""),
        ["when"] = FieldRule.Section("Conditions on the operation's canonical arguments; all that are set must hold.", _when),
    };
}

/// <summary>Binds a rule's <c>when</c>.</summary>
internal sealed class PolicyWhenSectionValidator : SectionValidator<PolicyWhenSection>
{
    private readonly PolicyPathConditionSectionValidator _path = new();
    private readonly PolicyUrlConditionSectionValidator _url = new();
    private readonly PolicyArgumentConditionSectionValidator _argument = new();

    public PolicyWhenSectionValidator()
        : base(ConfigurationJsonContext.Default.PolicyWhenSection)
    {
    }

    public override string Description => "Conditions on the operation's arguments (paths and URLs in their canonical form); all that are set must hold.";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"when\": {\"path\": {\"under\": [\"/etc\"]}}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["path"] = FieldRule.Section("Conditions on path arguments (canonical: decoded, resolved, symlinks followed).", _path),
        ["url"] = FieldRule.Section("Conditions on URL arguments.", _url),
        ["arguments"] = new FieldRule(
            "Conditions on named top-level arguments: \"<name>\": {\"matches\": \"<regex>\"}.",
            (value, field) =>
            {
                if (value.ValueKind != JsonValueKind.Object)
                {
                    field.Reader.Diagnostics.Error(field.Path, "must be an object mapping argument names to conditions, e.g. \"arguments\": {\"to\": {\"matches\": \"@example\\\\.com$\"}}");
                    return null;
                }

                var map = new JsonObject();
                foreach (var property in field.Reader.Properties(value, field.Path))
                {
                    if (_argument.Bind(property.Value, ConfigurationReader.Join(field.Path, property.Name), field.Reader) is { } bound)
                    {
                        map[property.Name] = bound.Json;
                    }
                }

                return map;
            },
            () => new JsonObject { ["type"] = new JsonArray("object", "null"), ["additionalProperties"] = _argument.Schema() }),
    };
}

/// <summary>Binds a rule's <c>when.path</c>.</summary>
internal sealed class PolicyPathConditionSectionValidator : SectionValidator<PolicyPathConditionSection>
{
    public PolicyPathConditionSectionValidator()
        : base(ConfigurationJsonContext.Default.PolicyPathConditionSection)
    {
    }

    public override string Description => "Conditions on path arguments, compared by path segments (/safe_evil is not under /safe).";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"path\": {\"under\": [\"/etc\", \"/root\"]}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["under"] = PolicyRuleSectionValidator.Strings("Absolute roots: holds when a path argument is one of them or inside one (for an allow rule: every path argument).", "[\"/etc\"]", "\"/etc\""),
        ["not_under"] = PolicyRuleSectionValidator.Strings("Absolute roots: holds when a path argument is inside none of them (for an allow rule: every path argument).", "[\"/srv/data\"]", "\"/srv/data\""),
    };
}

/// <summary>Binds a rule's <c>when.url</c>.</summary>
internal sealed class PolicyUrlConditionSectionValidator : SectionValidator<PolicyUrlConditionSection>
{
    public PolicyUrlConditionSectionValidator()
        : base(ConfigurationJsonContext.Default.PolicyUrlConditionSection)
    {
    }

    public override string Description => "Conditions on URL arguments.";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"url\": {\"hosts\": [\"*.example.com\"]}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["hosts"] = PolicyRuleSectionValidator.Strings("Host globs (any case): holds when a URL argument's host matches one (for an allow rule: every URL argument).", "[\"*.example.com\"]", "\"*.example.com\""),
    };
}

/// <summary>Binds one condition under a rule's <c>when.arguments</c>.</summary>
internal sealed class PolicyArgumentConditionSectionValidator : SectionValidator<PolicyArgumentConditionSection>
{
    public PolicyArgumentConditionSectionValidator()
        : base(ConfigurationJsonContext.Default.PolicyArgumentConditionSection)
    {
    }

    public override string Description => "A condition on one argument.";

    protected override string NotAnObjectMessage => "must be an object, e.g. {\"matches\": \"^[a-z]+$\"}";

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["matches"] = new FieldRule(
            "A .NET regular expression (linear-time engine: no backreferences or lookarounds) the argument's value (as a string; JSON text for other values) must match somewhere; anchor it with ^...$ to match all of it.",
            static (value, field) =>
            {
                if (value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
                {
                    field.Reader.Diagnostics.Error(field.Path, "must be a non-empty string with a regular expression, e.g. \"matches\": \"^[a-z0-9_]+$\"");
                    return null;
                }

                return JsonValue.Create(value.GetString());
            },
            static () => new JsonObject { ["minLength"] = 1, ["examples"] = new JsonArray("^[a-z0-9_]+$") }),
    };
}
