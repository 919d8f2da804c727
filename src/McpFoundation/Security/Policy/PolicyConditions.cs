namespace McpFoundation.Security.Policy;

/// <summary>
/// Evaluates a rule's <c>when</c>; every part that is set must hold. Read so that neither kind of rule is easy to get
/// around: for a deny or ask rule a part holds when <em>any</em> path (URL) argument satisfies it; for an allow rule
/// only when there is at least one and <em>every</em> one does.
/// </summary>
internal static class PolicyConditions
{
    public static bool Holds(PolicyCondition when, PolicyEffect effect, PolicyArguments arguments)
    {
        var strict = effect == PolicyEffect.Allow;
        if (when.PathUnder is { } under && !Quantify(arguments.Paths, strict, path => PolicyPaths.IsUnderAny(path, under)))
        {
            return false;
        }

        if (when.PathNotUnder is { } notUnder && !Quantify(arguments.Paths, strict, path => !PolicyPaths.IsUnderAny(path, notUnder)))
        {
            return false;
        }

        if (when.UrlHosts is { } hosts && !Quantify(arguments.Hosts, strict, host => hosts.Any(glob => PolicyGlob.IsMatch(glob, host, ignoreCase: true))))
        {
            return false;
        }

        if (when.Arguments is { } patterns)
        {
            foreach (var pattern in patterns)
            {
                if (arguments.ValueOf(pattern.Name) is not { } value || !pattern.Pattern.IsMatch(value))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Quantify(IReadOnlyList<string> values, bool every, Func<string, bool> test) =>
        every ? values.Count > 0 && values.All(test) : values.Any(test);
}
