using System.Net;

namespace McpFoundation.Security.Arguments;

/// <summary>Resolves a host name to its addresses, for the URL checks (tests inject their own).</summary>
public interface IHostResolver
{
    /// <summary>Resolves <paramref name="host"/>.</summary>
    /// <param name="host">An IDN-normalized (punycode) lower-case host name.</param>
    /// <param name="cancellationToken">Cancelled when the check's time budget ends.</param>
    /// <returns>Every address the name resolves to; empty when it resolves to none.</returns>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>Resolves with the system resolver (<see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>).</summary>
internal sealed class DnsHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}
