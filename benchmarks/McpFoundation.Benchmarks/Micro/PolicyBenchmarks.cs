using BenchmarkDotNet.Attributes;
using McpFoundation.Pipeline;
using McpFoundation.Security.Policy;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// One policy decision of the compiled rules (no argument conditions) with 10 and 1,000 rules: an allow by a glob rule,
/// an explicit deny, and the default deny. The baseline is one glob match. Goal (issue 9): under 1 µs and 0 bytes
/// allocated for the allow with 1,000 rules.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PolicyBenchmarks
{
    private CompiledPolicy _policy = null!;
    private PolicySubject _allowed;
    private PolicySubject _denied;
    private PolicySubject _unmatched;

    /// <summary>Gets or sets how many rules the policy has.</summary>
    [Params(10, 1000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] servers = ["fs", "mail", "web", "db", "git"];
        var rules = new List<PolicyRule>();
        // A third each: per-user allows of exact tools, denies of a name prefix, asks of a name prefix on one server;
        // and 1 % of the rules (at least 2) with no literal prefix at all ("*send_7*"), which every lookup checks.
        var wildcards = Math.Max(2, Rules / 100);
        for (var i = 0; i < wildcards; i++)
        {
            rules.Add(new PolicyRule { Id = $"wildcard-{i}", Effect = PolicyEffect.Ask, Tools = [$"*send_{i}*"] });
        }

        for (var i = rules.Count; i < Rules - 2; i++)
        {
            var server = servers[i % servers.Length];
            rules.Add((i % 3) switch
            {
                0 => new PolicyRule { Id = $"exact-{i}", Effect = PolicyEffect.Allow, Tools = [$"{server}__tool_{i}"], Users = [$"role:team{i % 7}", $"user{i}"] },
                1 => new PolicyRule { Id = $"prefix-{i}", Effect = PolicyEffect.Deny, Tools = [$"{server}__danger_{i}_*"] },
                _ => new PolicyRule { Id = $"server-{i}", Effect = PolicyEffect.Ask, Servers = [server], Tools = [$"{server}__send_{i}*"] },
            });
        }

        rules.Add(new PolicyRule { Id = "fs-read", Effect = PolicyEffect.Allow, Tools = ["fs__read_*", "fs__list_*"], Users = ["alice", "role:analyst"] });
        rules.Add(new PolicyRule { Id = "no-rm", Effect = PolicyEffect.Deny, Tools = ["*__rm"] });
        _policy = CompiledPolicy.Compile(new PolicyDefinition { Default = PolicyEffect.Deny, Rules = rules });
        string[] roles = ["analyst", "staff"];
        _allowed = new PolicySubject(OperationCategory.ToolExecution, PolicyTargetKind.Tool, "fs__read_file", "fs", "bob", roles);
        _denied = new PolicySubject(OperationCategory.ToolExecution, PolicyTargetKind.Tool, "fs__rm", "fs", "bob", roles);
        _unmatched = new PolicySubject(OperationCategory.ToolExecution, PolicyTargetKind.Tool, "web__fetch", "web", "bob", roles);
    }

    [Benchmark(Baseline = true)]
    public bool OneGlobMatch() => PolicyGlob.IsMatch("fs__read_*", "fs__read_file");

    [Benchmark]
    public int Allow() => _policy.Evaluate(in _allowed, null).Rule;

    [Benchmark]
    public int ExplicitDeny() => _policy.Evaluate(in _denied, null).Rule;

    [Benchmark]
    public int DefaultDeny() => _policy.Evaluate(in _unmatched, null).Rule;
}
