using McpFoundation.Configuration;
using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>What a rule's name globs are about.</summary>
internal enum PolicyTargetKind
{
    /// <summary>No named target (lists, logging level, notifications).</summary>
    None,

    /// <summary>An exposed tool name.</summary>
    Tool,

    /// <summary>An exposed prompt name.</summary>
    Prompt,

    /// <summary>A resource URI (or template).</summary>
    Resource,
}

/// <summary>Who asks for what: everything a compiled lookup needs, with no allocation.</summary>
/// <param name="Category">The operation's category.</param>
/// <param name="Kind">What <paramref name="Target"/> names.</param>
/// <param name="Target">The exposed tool or prompt name, or the resource URI.</param>
/// <param name="ServerId">The server it resolved to; null when unresolved.</param>
/// <param name="UserId">The caller's id; null when anonymous.</param>
/// <param name="Roles">The caller's roles (only read when a rule names roles).</param>
internal readonly record struct PolicySubject(OperationCategory Category, PolicyTargetKind Kind, string? Target, string? ServerId, string? UserId, IReadOnlyList<string> Roles);

/// <summary>The outcome of a compiled lookup: the effect, the deciding rule (index; -1 for the default) and how many deny rules matched.</summary>
internal readonly record struct PolicyMatch(PolicyEffect Effect, int Rule, int DenyCount)
{
    public bool IsDefault => Rule < 0;
}

/// <summary>
/// A <see cref="PolicyDefinition"/> compiled once per configuration snapshot. A lookup does not scan all rules: the
/// rules that name targets are indexed per kind (tool, prompt, resource) by exact name when every glob is a literal,
/// else by the literal prefix of their globs (<c>fs__read_</c> of <c>fs__read_*</c>; a lookup tries each distinct
/// prefix length of the name), else by their <c>servers</c>, else kept in a short list of wildcard rules (<c>*send*</c>); rules that name no target are indexed by server or kept in a general list. Each candidate is then
/// checked with its precomputed category mask, server and user sets, globs and conditions. An explicit deny wins
/// whatever the order, ask beats allow; the deciding rule is the first (in file order) of the winning effect.
/// Allocates nothing on the path of a decision without conditions.
/// </summary>
internal sealed class CompiledPolicy
{
    private static readonly int[] None = [];

    private readonly CompiledRule[] _rules;
    private readonly TargetIndex _tools;
    private readonly TargetIndex _prompts;
    private readonly TargetIndex _resources;
    private readonly Dictionary<string, int[]> _generalByServer;
    private readonly int[] _general;
    private readonly int _ruleCategories;

    private CompiledPolicy(PolicyDefinition definition, CompiledRule[] rules, TargetIndex tools, TargetIndex prompts, TargetIndex resources, Dictionary<string, int[]> generalByServer, int[] general)
    {
        Definition = definition;
        _rules = rules;
        _tools = tools;
        _prompts = prompts;
        _resources = resources;
        _generalByServer = generalByServer;
        _general = general;
        foreach (var rule in rules)
        {
            _ruleCategories |= rule.Mask;
            UsesRoles |= rule.Roles is not null;
            HasConditions |= rule.Source.When is not null;
        }
    }

    /// <summary>Gets a policy with no rules that allows everything (no <c>policy</c> section).</summary>
    public static CompiledPolicy AllowAll { get; } = Compile(new PolicyDefinition());

    public PolicyDefinition Definition { get; }

    /// <summary>Gets a value indicating whether any rule names a role (then the caller's role claims are read).</summary>
    public bool UsesRoles { get; }

    /// <summary>Gets a value indicating whether any rule has a <c>when</c>.</summary>
    public bool HasConditions { get; }

    /// <summary>Gets the rule at <paramref name="index"/>.</summary>
    public PolicyRule RuleAt(int index) => _rules[index].Source;

    /// <summary>Compiles a definition.</summary>
    public static CompiledPolicy Compile(PolicyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var rules = definition.Rules.Select(static (r, i) => new CompiledRule(r, i)).ToArray();
        var tools = new IndexBuilder();
        var prompts = new IndexBuilder();
        var resources = new IndexBuilder();
        var generalByServer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var general = new List<int>();
        foreach (var rule in rules)
        {
            var source = rule.Source;
            if (source.Tools is null && source.Prompts is null && source.Resources is null)
            {
                if (source.Servers is { } servers)
                {
                    foreach (var server in servers.Distinct(StringComparer.Ordinal))
                    {
                        Add(generalByServer, server, rule.Index);
                    }
                }
                else
                {
                    general.Add(rule.Index);
                }

                continue;
            }

            tools.Add(rule.Index, source.Tools, source.Servers);
            prompts.Add(rule.Index, source.Prompts, source.Servers);
            resources.Add(rule.Index, source.Resources, source.Servers);
        }

        return new CompiledPolicy(definition, rules, tools.Build(), prompts.Build(), resources.Build(), Freeze(generalByServer), [.. general]);
    }

    /// <summary>Gets a value indicating whether the policy has anything to say about <paramref name="category"/>.</summary>
    public bool Governs(OperationCategory category) => ((PolicyCategories.Governed | _ruleCategories) & PolicyCategories.Bit(category)) != 0;

    /// <summary>Decides for <paramref name="subject"/>; conditions are evaluated on <paramref name="arguments"/> (built on first need).</summary>
    /// <exception cref="System.Text.RegularExpressions.RegexMatchTimeoutException">A condition's regular expression ran too long (the caller denies).</exception>
    public PolicyMatch Evaluate(in PolicySubject subject, Func<PolicyArguments>? arguments)
    {
        var state = new Evaluation(arguments, visibility: false);
        Scan(in subject, ref state);
        return Decide(in subject, in state);
    }

    /// <summary>
    /// Whether <paramref name="subject"/> may be attempted at all, without arguments: false only when an unconditional
    /// deny matches, or the default denies and no allow or ask rule (conditional or not) could match. For per-user lists.
    /// </summary>
    public bool IsVisible(in PolicySubject subject)
    {
        var state = new Evaluation(null, visibility: true);
        Scan(in subject, ref state);
        return Decide(in subject, in state).Effect != PolicyEffect.Deny;
    }

    /// <summary>Gets the ids of every deny rule that matches (for a denial's rule list).</summary>
    public IReadOnlyList<string> MatchingDenies(in PolicySubject subject, Func<PolicyArguments>? arguments)
    {
        var ids = new List<string>();
        var state = new Evaluation(arguments, visibility: false);
        foreach (var list in Candidates(subject))
        {
            foreach (var index in list)
            {
                var rule = _rules[index];
                if (rule.Source.Effect == PolicyEffect.Deny && rule.Matches(in subject, ref state))
                {
                    ids.Add(rule.Source.Id);
                }
            }
        }

        return ids;
    }

    private static void Add(Dictionary<string, List<int>> map, string key, int index)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        if (list.Count == 0 || list[^1] != index)
        {
            list.Add(index);
        }
    }

    private static Dictionary<string, int[]> Freeze(Dictionary<string, List<int>> map) =>
        map.ToDictionary(static p => p.Key, static p => p.Value.ToArray(), StringComparer.Ordinal);

    private PolicyMatch Decide(in PolicySubject subject, in Evaluation state)
    {
        if (state.DenyCount > 0)
        {
            return new PolicyMatch(PolicyEffect.Deny, state.Deny, state.DenyCount);
        }

        if (state.Ask >= 0)
        {
            return new PolicyMatch(PolicyEffect.Ask, state.Ask, 0);
        }

        if (state.Allow >= 0)
        {
            return new PolicyMatch(PolicyEffect.Allow, state.Allow, 0);
        }

        var governed = (PolicyCategories.Governed & PolicyCategories.Bit(subject.Category)) != 0;
        return new PolicyMatch(governed ? Definition.Default : PolicyEffect.Allow, -1, 0);
    }

    private void Scan(in PolicySubject subject, ref Evaluation state)
    {
        var index = IndexOf(subject.Kind);
        if (index is not null)
        {
            if (subject.Target is { } target)
            {
                if (index.Exact.TryGetValue(target, out var exact))
                {
                    ScanList(exact, in subject, ref state);
                }

                foreach (var length in index.PrefixLengths)
                {
                    if (length > target.Length)
                    {
                        break;
                    }

                    if (index.ByPrefix.TryGetValue(target.AsSpan(0, length), out var byPrefix))
                    {
                        ScanList(byPrefix, in subject, ref state);
                    }
                }
            }

            if (subject.ServerId is { } server && index.ByServer.TryGetValue(server, out var byServer))
            {
                ScanList(byServer, in subject, ref state);
            }

            ScanList(index.Other, in subject, ref state);
        }

        if (subject.ServerId is { } id && _generalByServer.TryGetValue(id, out var general))
        {
            ScanList(general, in subject, ref state);
        }

        ScanList(_general, in subject, ref state);
    }

    private void ScanList(int[] list, in PolicySubject subject, ref Evaluation state)
    {
        for (var i = 0; i < list.Length; i++)
        {
            var rule = _rules[list[i]];
            if (rule.Matches(in subject, ref state))
            {
                state.Record(rule);
            }
        }
    }

    private IEnumerable<int[]> Candidates(PolicySubject subject)
    {
        var index = IndexOf(subject.Kind);
        if (index is not null)
        {
            if (subject.Target is { } target)
            {
                if (index.Exact.TryGetValue(target, out var exact))
                {
                    yield return exact;
                }

                foreach (var length in index.PrefixLengths)
                {
                    if (length <= target.Length && index.ByPrefix.TryGetValue(target.AsSpan(0, length), out var byPrefix))
                    {
                        yield return byPrefix;
                    }
                }
            }

            if (subject.ServerId is { } server && index.ByServer.TryGetValue(server, out var byServer))
            {
                yield return byServer;
            }

            yield return index.Other;
        }

        if (subject.ServerId is { } id && _generalByServer.TryGetValue(id, out var general))
        {
            yield return general;
        }

        yield return _general;
    }

    private TargetIndex? IndexOf(PolicyTargetKind kind) => kind switch
    {
        PolicyTargetKind.Tool => _tools,
        PolicyTargetKind.Prompt => _prompts,
        PolicyTargetKind.Resource => _resources,
        _ => null,
    };

    /// <summary>One lookup's running result; the arguments are built the first time a condition needs them.</summary>
    internal struct Evaluation(Func<PolicyArguments>? factory, bool visibility)
    {
        private PolicyArguments? _arguments;

        public int Deny { get; private set; } = -1;

        public int DenyCount { get; private set; }

        public int Ask { get; private set; } = -1;

        public int Allow { get; private set; } = -1;

        public readonly bool Visibility => visibility;

        public PolicyArguments? Arguments => _arguments ??= factory?.Invoke();

        public void Record(CompiledRule rule)
        {
            switch (rule.Source.Effect)
            {
                case PolicyEffect.Deny:
                    DenyCount++;
                    Deny = Deny < 0 ? rule.Index : Math.Min(Deny, rule.Index);
                    break;
                case PolicyEffect.Ask:
                    Ask = Ask < 0 ? rule.Index : Math.Min(Ask, rule.Index);
                    break;
                default:
                    Allow = Allow < 0 ? rule.Index : Math.Min(Allow, rule.Index);
                    break;
            }
        }
    }

    private sealed class TargetIndex(Dictionary<string, int[]> exact, Dictionary<string, int[]> byPrefix, Dictionary<string, int[]> byServer, int[] other)
    {
        public Dictionary<string, int[]> Exact { get; } = exact;

        /// <summary>Gets the rules by the literal prefix of their globs (looked up with spans of the name: no allocation).</summary>
        public Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> ByPrefix { get; } = byPrefix.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>Gets the distinct lengths of the prefixes, ascending.</summary>
        public int[] PrefixLengths { get; } = [.. byPrefix.Keys.Select(static k => k.Length).Distinct().Order()];

        public Dictionary<string, int[]> ByServer { get; } = byServer;

        public int[] Other { get; } = other;
    }

    /// <summary>Puts each rule in exactly one bucket group of a kind, so that a lookup meets each rule at most once.</summary>
    private sealed class IndexBuilder
    {
        private readonly Dictionary<string, List<int>> _exact = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<int>> _byPrefix = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<int>> _byServer = new(StringComparer.Ordinal);
        private readonly List<int> _other = [];

        public void Add(int index, IReadOnlyList<string>? globs, IReadOnlyList<string>? servers)
        {
            if (globs is null)
            {
                return;
            }

            if (globs.All(PolicyGlob.IsLiteral))
            {
                foreach (var name in globs.Distinct(StringComparer.Ordinal))
                {
                    CompiledPolicy.Add(_exact, name, index);
                }

                return;
            }

            // Every glob has a literal prefix: index by the shortest ones (no kept prefix is a prefix of another, so a
            // name meets the rule through at most one of them).
            var prefixes = globs.Select(static g => PolicyGlob.LiteralPrefix(g).ToString()).ToArray();
            if (prefixes.All(static p => p.Length > 0))
            {
                var minimal = prefixes.Distinct(StringComparer.Ordinal)
                    .Where(p => !prefixes.Any(q => q.Length < p.Length && p.StartsWith(q, StringComparison.Ordinal)));
                foreach (var prefix in minimal)
                {
                    CompiledPolicy.Add(_byPrefix, prefix, index);
                }

                return;
            }

            if (servers is not null)
            {
                foreach (var server in servers.Distinct(StringComparer.Ordinal))
                {
                    CompiledPolicy.Add(_byServer, server, index);
                }

                return;
            }

            _other.Add(index);
        }

        public TargetIndex Build() => new(Freeze(_exact), Freeze(_byPrefix), Freeze(_byServer), _other.Count == 0 ? None : [.. _other]);
    }
}
