using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>One rule with its matching data precomputed: the category mask, server, user and role sets.</summary>
internal sealed class CompiledRule
{
    private const string RolePrefix = "role:";

    private readonly HashSet<string>? _servers;
    private readonly HashSet<string>? _users;

    public CompiledRule(PolicyRule source, int index)
    {
        Source = source;
        Index = index;
        Mask = PolicyCategories.MaskOf(source);
        _servers = source.Servers is { } servers ? new HashSet<string>(servers, StringComparer.Ordinal) : null;
        if (source.Users is { } users)
        {
            _users = new HashSet<string>(users.Where(static u => !u.StartsWith(RolePrefix, StringComparison.Ordinal)), StringComparer.Ordinal);
            var roles = users.Where(static u => u.StartsWith(RolePrefix, StringComparison.Ordinal)).Select(static u => u[RolePrefix.Length..]).ToArray();
            Roles = roles.Length == 0 ? null : new HashSet<string>(roles, StringComparer.Ordinal);
        }
    }

    public PolicyRule Source { get; }

    public int Index { get; }

    public int Mask { get; }

    public HashSet<string>? Roles { get; }

    /// <summary>Whether the rule matches; conditions are evaluated on the evaluation's arguments (see <see cref="CompiledPolicy.IsVisible"/> for the visibility reading).</summary>
    public bool Matches(in PolicySubject subject, ref CompiledPolicy.Evaluation state)
    {
        if ((Mask & PolicyCategories.Bit(subject.Category)) == 0)
        {
            return false;
        }

        if (_servers is not null && (subject.ServerId is null || !_servers.Contains(subject.ServerId)))
        {
            return false;
        }

        if (_users is not null && !MatchesUser(in subject))
        {
            return false;
        }

        if (!MatchesTarget(in subject))
        {
            return false;
        }

        if (Source.When is not { } when)
        {
            return true;
        }

        if (state.Visibility)
        {
            // Without arguments: a conditional allow or ask may match, a conditional deny may not.
            return Source.Effect != PolicyEffect.Deny;
        }

        return state.Arguments is { } arguments && PolicyConditions.Holds(when, Source.Effect, arguments);
    }

    private bool MatchesUser(in PolicySubject subject)
    {
        if (subject.UserId is { } id && _users!.Contains(id))
        {
            return true;
        }

        if (Roles is not null)
        {
            var roles = subject.Roles;
            for (var i = 0; i < roles.Count; i++)
            {
                if (Roles.Contains(roles[i]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool MatchesTarget(in PolicySubject subject)
    {
        var globs = subject.Kind switch
        {
            PolicyTargetKind.Tool => Source.Tools,
            PolicyTargetKind.Prompt => Source.Prompts,
            PolicyTargetKind.Resource => Source.Resources,
            _ => null,
        };
        if (globs is null)
        {
            // A rule that names targets matches only those; one that names none matches any.
            return Source.Tools is null && Source.Prompts is null && Source.Resources is null;
        }

        if (subject.Target is not { } target)
        {
            return false;
        }

        for (var i = 0; i < globs.Count; i++)
        {
            if (PolicyGlob.IsMatch(globs[i], target))
            {
                return true;
            }
        }

        return false;
    }
}
