using System.Net;
using McpFoundation.AspNetCore.Http;

namespace McpFoundation.AspNetCore.Security;

/// <summary>
/// Decides whether a request's <c>Host</c> and <c>Origin</c> headers are acceptable, as the MCP transport
/// specification requires of servers bound to a local address (DNS rebinding protection).
/// </summary>
internal sealed class OriginAndHostValidator(McpFoundationHttpOptions options)
{
    private readonly HashSet<string> _hosts = new(options.AllowedHosts.Select(NormalizeHost), StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _origins = new(options.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns null if the request may proceed, or why it may not.</summary>
    public string? Validate(string? host, string? origin)
    {
        if (string.IsNullOrEmpty(host))
        {
            return "The request has no Host header.";
        }

        string hostName = NormalizeHost(StripPort(host));
        if (!_hosts.Contains(hostName))
        {
            return $"Host '{hostName}' is not allowed. Add it to the gateway's allowed hosts (mcpf serve --allowed-host {hostName}) if clients really use that name.";
        }

        if (string.IsNullOrEmpty(origin))
        {
            return null;
        }

        if (_origins.Contains(origin.TrimEnd('/')))
        {
            return null;
        }

        if (options.AllowLoopbackOrigins
            && Uri.TryCreate(origin, UriKind.Absolute, out Uri? originUri)
            && (originUri.Scheme == Uri.UriSchemeHttp || originUri.Scheme == Uri.UriSchemeHttps)
            && IsLoopback(originUri.Host))
        {
            return null;
        }

        return $"Origin '{origin}' is not allowed. Add it to the gateway's allowed origins (mcpf serve --allowed-origin {origin}) if that web page should reach the gateway.";
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[..(close + 1)] : host;
        }

        int colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':') == colon ? host[..colon] : host;
    }

    private static string NormalizeHost(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();
}
