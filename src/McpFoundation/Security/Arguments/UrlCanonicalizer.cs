using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Parses a URL argument strictly and judges where it really goes: no userinfo, no backslashes, no percent-encoded or
/// ambiguous numeric hosts; the scheme allowed; the host IDN-normalized (punycode, lower case); IPv4 literals read in
/// every spelling (decimal, octal, hex, short, IPv4-mapped IPv6); a name resolved within a time budget and every
/// address checked (failure to resolve refuses: fail closed); then <c>allowed_hosts</c>.
/// </summary>
internal sealed class UrlCanonicalizer
{
    /// <summary>How long resolving one host may take before the argument is refused.</summary>
    internal static readonly TimeSpan ResolveBudget = TimeSpan.FromSeconds(2);

    private const string PrivateHint = "use a public host, or set allow_private_network: true in the server's security_profile if it must reach internal addresses";

    private static readonly HashSet<string> MetadataNames = new(
        ["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal", "metadata.azure.internal"],
        StringComparer.Ordinal);

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    private readonly IHostResolver _resolver;
    private readonly TimeProvider _timeProvider;

    public UrlCanonicalizer(IHostResolver resolver, TimeProvider timeProvider)
    {
        _resolver = resolver;
        _timeProvider = timeProvider;
    }

    public async ValueTask<CheckResult> CheckAsync(string raw, UrlRules rules, CancellationToken cancellationToken)
    {
        var parsed = Parse(raw, rules);
        if (parsed.Result is { } refused)
        {
            return refused;
        }

        var (canonical, host, literal) = (parsed.Canonical!, parsed.Host!, parsed.Literal);
        if (!rules.HostAllowed(host))
        {
            return CheckResult.Refuse(rules.HostsRule, $"goes to host {host}, which allowed_hosts does not list", $"use a host allowed_hosts lists, or add \"{host}\" to it", canonical);
        }

        if (rules.AllowPrivateNetwork)
        {
            return CheckResult.Accept(canonical, "allow_private_network: addresses not checked");
        }

        if (literal.Count > 0)
        {
            foreach (var address in literal)
            {
                if (PrivateAddresses.Classify(address) is { } kind)
                {
                    return CheckResult.Refuse("url.private_address", $"goes to {address}, a {kind} address", PrivateHint, canonical);
                }
            }

            return CheckResult.Accept(canonical, "address " + literal[0]);
        }

        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return CheckResult.Refuse("url.private_address", $"goes to {host}, a loopback name", PrivateHint, canonical);
        }

        if (MetadataNames.Contains(host))
        {
            return CheckResult.Refuse("url.private_address", $"goes to {host}, a cloud metadata service", PrivateHint, canonical);
        }

        IPAddress[] addresses;
        try
        {
            using var budget = new CancellationTokenSource(ResolveBudget, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
            addresses = await _resolver.ResolveAsync(host, linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Refuse("url.unresolvable", $"has a host ({host}) that did not resolve within {ResolveBudget.TotalSeconds:0.#} s, so its addresses could not be checked", "check the host name, or retry when DNS answers", canonical);
        }
        catch (Exception exception) when (exception is SocketException or ArgumentException or IOException)
        {
            return CheckResult.Refuse("url.unresolvable", $"has a host ({host}) that does not resolve, so its addresses could not be checked", "check the host name", canonical);
        }

        if (addresses.Length == 0)
        {
            return CheckResult.Refuse("url.unresolvable", $"has a host ({host}) that resolves to no address", "check the host name", canonical);
        }

        foreach (var address in addresses)
        {
            if (PrivateAddresses.Classify(address) is { } kind)
            {
                return CheckResult.Refuse("url.private_address", $"has a host ({host}) that resolves to {address}, a {kind} address", PrivateHint, canonical);
            }
        }

        return CheckResult.Accept(canonical, "resolves to " + string.Join(", ", addresses.Take(4).Select(address => address.ToString())));
    }

    /// <summary>Parses and normalizes the URL without resolving: the canonical form, the host, and its addresses when it is an IP literal.</summary>
    internal static ParsedUrl Parse(string raw, UrlRules rules)
    {
        static ParsedUrl Refuse(string rule, string message, string hint) => new(CheckResult.Refuse(rule, message, hint), null, null, []);

        if (raw.Length == 0 || raw.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return Refuse("url.syntax", "is empty or holds spaces or control characters (a newline, tab, NUL)", "send one URL without spaces, e.g. https://api.example.com/path");
        }

        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(raw[0]) || raw.AsSpan(0, colon).ContainsAnyExcept(SchemeChars))
        {
            return Refuse("url.syntax", "is not an absolute URL", "send an absolute URL such as https://api.example.com/path");
        }

        var scheme = raw[..colon].ToLowerInvariant();
        if (!rules.Schemes.Contains(scheme))
        {
            return Refuse(rules.SchemesRule, $"uses the scheme {scheme}:, which is not allowed (allowed: {string.Join(", ", rules.Schemes.Order(StringComparer.Ordinal))})", "use an http or https URL, or add the scheme to allowed_schemes in the server's security_profile");
        }

        if (raw.Contains('\\', StringComparison.Ordinal))
        {
            return Refuse("url.syntax", "holds a backslash, which URL parsers read differently (some as /)", "write / instead of \\ in the URL");
        }

        if (!raw.AsSpan(colon + 1).StartsWith("//"))
        {
            return Refuse("url.syntax", "has no host (expected scheme://host/...)", "send an absolute URL such as https://api.example.com/path");
        }

        var authorityStart = colon + 3;
        var authorityEnd = raw.AsSpan(authorityStart).IndexOfAny("/?#");
        var authority = authorityEnd < 0 ? raw[authorityStart..] : raw.Substring(authorityStart, authorityEnd);
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return Refuse("url.userinfo", "has a user name or password before @ (e.g. http://allowed@evil/), which hides the real host", "remove the user:password@ part; send credentials another way");
        }

        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < authority.Length && authority[close + 1] != ':'))
            {
                return Refuse("url.syntax", "has a malformed IPv6 host", "write an IPv6 host as [2001:db8::1]");
            }

            host = authority[..(close + 1)];
        }
        else
        {
            var portColon = authority.LastIndexOf(':');
            host = portColon < 0 ? authority : authority[..portColon];
        }

        if (host.Length == 0)
        {
            return Refuse("url.syntax", "has no host", "send an absolute URL such as https://api.example.com/path");
        }

        if (host.Contains('%', StringComparison.Ordinal))
        {
            return Refuse("url.syntax", "has a percent-encoded host (or an IPv6 zone id)", "write the host name or address as plain text");
        }

        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return Refuse("url.syntax", "is not a valid URL", "send an absolute URL such as https://api.example.com/path");
        }

        var addresses = new List<IPAddress>(2);
        string canonicalHost;
        if (host.StartsWith('['))
        {
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return Refuse("url.syntax", "has a malformed IPv6 host", "write an IPv6 host as [2001:db8::1]");
            }

            addresses.Add(v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6);
            addresses.Add(v6);
            canonicalHost = "[" + v6 + "]";
        }
        else
        {
            string ascii;
            try
            {
                ascii = Idn.GetAscii(host.TrimEnd('.')).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                return Refuse("url.syntax", $"has a host name that is not valid ({host})", "check the host name");
            }

            if (Ipv4Literal.TryParse(ascii, out var v4, out var ambiguous))
            {
                addresses.Add(v4!);
                canonicalHost = v4!.ToString();
            }
            else if (ambiguous)
            {
                return Refuse("url.syntax", $"has a numeric host that is no valid IPv4 address ({host})", "write an IPv4 address as four numbers from 0 to 255, e.g. 93.184.215.14");
            }
            else
            {
                canonicalHost = ascii;
            }
        }

        // What .NET itself made of the host, if an address: judged too, so the strictest reading decides.
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var dotnet) && !addresses.Contains(dotnet))
        {
            addresses.Add(dotnet);
        }

        var port = uri.IsDefaultPort ? string.Empty : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        var canonical = scheme + "://" + canonicalHost + port + uri.PathAndQuery + uri.Fragment;
        return new ParsedUrl(null, canonical, canonicalHost.Trim('[', ']'), addresses);
    }

    private static readonly System.Buffers.SearchValues<char> SchemeChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

    /// <summary>A parsed URL: a refusal, or the canonical form, the canonical host and the addresses of an IP literal.</summary>
    internal readonly record struct ParsedUrl(CheckResult? Result, string? Canonical, string? Host, IReadOnlyList<IPAddress> Literal);
}
