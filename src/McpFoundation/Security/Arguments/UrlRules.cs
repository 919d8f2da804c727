namespace McpFoundation.Security.Arguments;

/// <summary>What a server's profile allows of URL arguments.</summary>
/// <param name="Schemes">The schemes allowed (lower case).</param>
/// <param name="HostGlobs">The host globs of <c>allowed_hosts</c> (lower case); empty for any host.</param>
/// <param name="AllowPrivateNetwork">Whether private, loopback and similar addresses may be reached.</param>
/// <param name="HostsRule">The JSON path of <c>allowed_hosts</c>, named when a host does not match.</param>
/// <param name="SchemesRule">The rule named when a scheme is not allowed.</param>
internal sealed record UrlRules(IReadOnlySet<string> Schemes, IReadOnlyList<string> HostGlobs, bool AllowPrivateNetwork, string HostsRule, string SchemesRule)
{
    public static IReadOnlySet<string> DefaultSchemes { get; } = new HashSet<string>(["http", "https"], StringComparer.Ordinal);

    /// <summary>Says whether <paramref name="host"/> matches one of <see cref="HostGlobs"/> (<c>*</c>, <c>*.example.com</c> for any subdomain, or the exact host).</summary>
    public bool HostAllowed(string host)
    {
        if (HostGlobs.Count == 0)
        {
            return true;
        }

        foreach (var glob in HostGlobs)
        {
            if (glob == "*"
                || string.Equals(glob, host, StringComparison.Ordinal)
                || (glob.StartsWith("*.", StringComparison.Ordinal) && host.Length > glob.Length - 1 && host.EndsWith(glob.AsSpan(1), StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
