using System.Text.RegularExpressions;
using McpFoundation.Configuration;
using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>
/// Checks the bound rules of a <c>policy</c> against each other and against the configured servers, reporting every
/// problem with its JSON path: missing or repeated ids, bad globs, unknown servers or categories, empty lists, rules
/// that can never match, bad regular expressions; and, as warnings, allow or ask rules that an unconditional deny
/// covers entirely (they can never take effect). Builds the validated <see cref="PolicyRule"/>s.
/// </summary>
internal sealed class PolicyRuleChecks(ConfigurationDiagnostics diagnostics, IReadOnlyDictionary<string, ServerDefinition> servers, ToolNamespacing namespacing)
{
    /// <summary>How long one regular expression of a <c>when.arguments</c> condition may run on one value.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    public IReadOnlyList<PolicyRule> Check(IReadOnlyList<PolicyRuleSection?> sections, string path)
    {
        var rules = new List<(PolicyRule Rule, string Path)>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < sections.Count; i++)
        {
            if (sections[i] is not { } section)
            {
                continue; // not an object: already reported.
            }

            var rulePath = $"{path}[{i}]";
            if (CheckRule(section, rulePath) is { } rule)
            {
                if (ids.TryGetValue(rule.Id, out var first))
                {
                    diagnostics.Error(rulePath + ".id", $"repeats the id \"{rule.Id}\" of {first}; every rule needs its own id (denials name it)");
                }
                else
                {
                    ids[rule.Id] = rulePath;
                }

                rules.Add((rule, rulePath));
            }
        }

        WarnAboutCoveredRules(rules);
        return [.. rules.Select(static r => r.Rule)];
    }

    private PolicyRule? CheckRule(PolicyRuleSection section, string path)
    {
        var before = diagnostics.ErrorCount;
        if (section.Id is null)
        {
            diagnostics.Error(path + ".id", "is required: give the rule an id, e.g. \"id\": \"no-etc\" (denials name it in data.rule)");
        }

        PolicyEffect? effect = section.Effect switch
        {
            "allow" => PolicyEffect.Allow,
            "deny" => PolicyEffect.Deny,
            "ask" => PolicyEffect.Ask,
            _ => null,
        };
        if (section.Effect is null)
        {
            diagnostics.Error(path + ".effect", "is required: \"allow\", \"deny\" or \"ask\", e.g. \"effect\": \"deny\"");
        }

        var candidateServers = section.Servers ?? [.. servers.Keys];
        CheckServers(section.Servers, path + ".servers");
        CheckNames(section.Tools, path + ".tools", "tool", candidateServers);
        CheckNames(section.Prompts, path + ".prompts", "prompt", candidateServers);
        CheckGlobs(section.Resources, path + ".resources", "resource");
        CheckUsers(section.Users, path + ".users");
        var categories = CheckCategories(section.Categories, path + ".categories");
        var condition = section.When is { } when ? CheckWhen(when, path + ".when") : null;

        if (diagnostics.ErrorCount != before || section.Id is null || effect is null)
        {
            return null;
        }

        var rule = new PolicyRule
        {
            Id = section.Id,
            Effect = effect.Value,
            Description = section.Description,
            Tools = section.Tools,
            Prompts = section.Prompts,
            Resources = section.Resources,
            Servers = section.Servers,
            Users = section.Users,
            Categories = categories,
            When = condition,
        };

        if (categories is not null && (section.Tools is not null || section.Prompts is not null || section.Resources is not null)
            && (PolicyCategories.MaskOf(rule) & PolicyCategories.Implicit(rule)) == 0)
        {
            diagnostics.Error(path + ".categories", "names no category its tools, prompts or resources are used in, so the rule can never match; add tool_execution (tools), prompt_get (prompts) or resource_read (resources), or remove \"categories\"");
            return null;
        }

        return rule;
    }

    private bool CheckList(IReadOnlyList<string>? items, string path, string what)
    {
        if (items is null)
        {
            return false;
        }

        if (items.Count == 0)
        {
            diagnostics.Error(path, $"is empty, so the rule can never match; list at least one {what}, or remove the field to match every {what}");
            return false;
        }

        return true;
    }

    private void CheckServers(IReadOnlyList<string>? ids, string path)
    {
        if (!CheckList(ids, path, "server"))
        {
            return;
        }

        for (var i = 0; i < ids!.Count; i++)
        {
            if (!servers.ContainsKey(ids[i]))
            {
                diagnostics.Error($"{path}[{i}]", $"\"{ids[i]}\" is not a configured server; use one of: {string.Join(", ", servers.Keys)}");
            }
        }
    }

    private void CheckGlobs(IReadOnlyList<string>? globs, string path, string what)
    {
        if (!CheckList(globs, path, what))
        {
            return;
        }

        for (var i = 0; i < globs!.Count; i++)
        {
            if (PolicyGlob.Problem(globs[i]) is { } problem)
            {
                diagnostics.Error($"{path}[{i}]", problem);
            }
        }
    }

    private void CheckNames(IReadOnlyList<string>? globs, string path, string what, IReadOnlyList<string> candidateServers)
    {
        var before = diagnostics.ErrorCount;
        CheckGlobs(globs, path, what);
        if (globs is null || diagnostics.ErrorCount != before || namespacing != ToolNamespacing.Prefix || candidateServers.Count == 0)
        {
            return;
        }

        for (var i = 0; i < globs.Count; i++)
        {
            if (!candidateServers.Any(server => CanProduce(globs[i], server)))
            {
                diagnostics.Error(
                    $"{path}[{i}]",
                    $"\"{globs[i]}\" can never match: exposed {what} names are <server>__<{what}> and no server the rule applies to ({string.Join(", ", candidateServers)}) produces it; e.g. \"{candidateServers[0]}__*\", or set \"namespacing\": \"none\" for bare names");
            }
        }
    }

    /// <summary>Whether a glob can match some name <c>server__x</c> (conservative: true when unsure).</summary>
    private static bool CanProduce(string glob, string server)
    {
        var prefix = server + "__";
        if (PolicyGlob.IsLiteral(glob))
        {
            return glob.Length > prefix.Length && glob.StartsWith(prefix, StringComparison.Ordinal);
        }

        var literal = PolicyGlob.LiteralPrefix(glob);
        return prefix.AsSpan().StartsWith(literal, StringComparison.Ordinal) || literal.StartsWith(prefix, StringComparison.Ordinal);
    }

    private void CheckUsers(IReadOnlyList<string>? users, string path)
    {
        if (!CheckList(users, path, "user"))
        {
            return;
        }

        for (var i = 0; i < users!.Count; i++)
        {
            if (users[i].StartsWith("role:", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(users[i]["role:".Length..]))
            {
                diagnostics.Error($"{path}[{i}]", "names no role; write role:<role>, e.g. \"role:analyst\"");
            }
        }
    }

    private List<OperationCategory>? CheckCategories(IReadOnlyList<string>? names, string path)
    {
        if (!CheckList(names, path, "category"))
        {
            return null;
        }

        var categories = new List<OperationCategory>();
        for (var i = 0; i < names!.Count; i++)
        {
            if (PolicyCategories.ByName.TryGetValue(names[i], out var category))
            {
                categories.Add(category);
            }
            else
            {
                diagnostics.Error($"{path}[{i}]", $"\"{names[i]}\" is not a category; use one of: {string.Join(", ", PolicyCategories.ByName.Keys)}");
            }
        }

        return categories;
    }

    private PolicyCondition? CheckWhen(PolicyWhenSection when, string path)
    {
        if (when.Path is null && when.Url is null && when.Arguments is null)
        {
            diagnostics.Error(path, "is empty; add \"path\", \"url\" or \"arguments\" conditions, or remove \"when\"");
            return null;
        }

        if (when.Path is { Under: null, NotUnder: null })
        {
            diagnostics.Error(path + ".path", "is empty; add \"under\" or \"not_under\" roots, e.g. \"path\": {\"under\": [\"/etc\"]}");
        }

        if (when.Url is { Hosts: null })
        {
            diagnostics.Error(path + ".url", "is empty; add \"hosts\", e.g. \"url\": {\"hosts\": [\"*.example.com\"]}");
        }

        var hosts = when.Url?.Hosts;
        CheckGlobs(hosts, path + ".url.hosts", "host");
        var arguments = new List<PolicyArgumentPattern>();
        if (when.Arguments is { Count: 0 })
        {
            diagnostics.Error(path + ".arguments", "is empty; add a condition, e.g. \"arguments\": {\"to\": {\"matches\": \"@example\\\\.com$\"}}, or remove it");
        }

        foreach (var (name, condition) in when.Arguments ?? new Dictionary<string, PolicyArgumentConditionSection>())
        {
            var argumentPath = ConfigurationReader.Join(path + ".arguments", name);
            if (condition.Matches is not { } pattern)
            {
                diagnostics.Error(argumentPath, "needs \"matches\", e.g. {\"matches\": \"^[a-z]+$\"}");
                continue;
            }

            if (Compile(pattern, argumentPath + ".matches") is { } regex)
            {
                arguments.Add(new PolicyArgumentPattern(name, regex));
            }
        }

        return new PolicyCondition
        {
            PathUnder = Roots(when.Path?.Under, path + ".path.under"),
            PathNotUnder = Roots(when.Path?.NotUnder, path + ".path.not_under"),
            UrlHosts = hosts?.Select(static h => h.ToLowerInvariant()).ToArray(),
            Arguments = when.Arguments is null ? null : arguments,
        };
    }

    private string[]? Roots(IReadOnlyList<string>? roots, string path)
    {
        if (!CheckList(roots, path, "root"))
        {
            return null;
        }

        var normalized = new string[roots!.Count];
        for (var i = 0; i < roots.Count; i++)
        {
            var root = roots[i];
            if (!root.StartsWith('/') || root.Contains('\0', StringComparison.Ordinal))
            {
                diagnostics.Error($"{path}[{i}]", $"\"{root}\" is not an absolute path; write it from the root, e.g. \"/etc\"");
                continue;
            }

            normalized[i] = PolicyPaths.Normalize(root);
        }

        return normalized;
    }

    private Regex? Compile(string pattern, string path)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (NotSupportedException ex)
        {
            diagnostics.Error(path, $"uses a construct the linear-time regex engine does not support ({ex.Message}); rewrite it without backreferences, lookarounds or atomic groups");
        }
        catch (ArgumentException ex)
        {
            diagnostics.Error(path, $"is not a valid regular expression ({ex.Message})");
        }

        return null;
    }

    private void WarnAboutCoveredRules(List<(PolicyRule Rule, string Path)> rules)
    {
        foreach (var (rule, path) in rules)
        {
            if (rule.Effect == PolicyEffect.Deny)
            {
                continue;
            }

            foreach (var (deny, denyPath) in rules)
            {
                if (deny.Effect == PolicyEffect.Deny && Covers(deny, rule))
                {
                    diagnostics.Warning(
                        path,
                        $"can never take effect: deny rule \"{deny.Id}\" ({denyPath}) matches everything this {rule.Effect.ToString().ToLowerInvariant()} rule matches, and deny always wins; remove this rule or narrow \"{deny.Id}\"");
                    break;
                }
            }
        }
    }

    /// <summary>Whether an unconditional deny matches every operation <paramref name="rule"/> matches (conservative).</summary>
    private static bool Covers(PolicyRule deny, PolicyRule rule)
    {
        if (deny.When is not null)
        {
            return false;
        }

        var denyMask = PolicyCategories.MaskOf(deny);
        var ruleMask = PolicyCategories.MaskOf(rule);
        if ((denyMask & ruleMask) != ruleMask || !Superset(deny.Servers, rule.Servers) || !Superset(deny.Users, rule.Users))
        {
            return false;
        }

        if (deny.Tools is null && deny.Prompts is null && deny.Resources is null)
        {
            return true;
        }

        if (rule.Tools is null && rule.Prompts is null && rule.Resources is null)
        {
            return false;
        }

        return Targets(deny.Tools, rule.Tools) && Targets(deny.Prompts, rule.Prompts) && Targets(deny.Resources, rule.Resources);
    }

    private static bool Superset(IReadOnlyList<string>? outer, IReadOnlyList<string>? inner) =>
        outer is null || (inner is not null && inner.All(outer.Contains));

    private static bool Targets(IReadOnlyList<string>? deny, IReadOnlyList<string>? rule) =>
        rule is null || (deny is not null && rule.All(glob => deny.Any(outer => PolicyGlob.Covers(outer, glob))));
}
