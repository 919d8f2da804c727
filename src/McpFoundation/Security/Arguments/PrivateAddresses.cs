using System.Net;
using System.Net.Sockets;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Says whether an address is one a URL argument must not reach without <c>allow_private_network</c>: loopback,
/// private, link-local, CGNAT, multicast, unspecified, reserved and cloud-metadata addresses, IPv4 and IPv6 (IPv4-mapped,
/// IPv4-compatible and NAT64 addresses are judged by the IPv4 address they carry).
/// </summary>
internal static class PrivateAddresses
{
    /// <summary>Names the kind of non-public address <paramref name="address"/> is, or null when it is public.</summary>
    /// <param name="address">The address.</param>
    /// <returns>e.g. <c>loopback</c>, <c>private</c>, <c>cloud metadata</c>; null for a public address.</returns>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            address.TryWriteBytes(v4, out _);
            return ClassifyV4(v4);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an internet address";
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (address.IsIPv4MappedToIPv6)
        {
            return ClassifyV4(b[12..]);
        }

        var firstTwelveZero = b[..12].IndexOfAnyExcept((byte)0) < 0;
        if (firstTwelveZero)
        {
            if (b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1)
            {
                return b[15] == 0 ? "unspecified" : "loopback";
            }

            return ClassifyV4(b[12..]) ?? "IPv4-compatible (deprecated)"; // ::a.b.c.d
        }

        // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..]);
        }

        if (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 && b[4..14].IndexOfAnyExcept((byte)0) < 0 && b[14] == 0x02 && b[15] == 0x54)
        {
            return "cloud metadata"; // fd00:ec2::254 (AWS)
        }

        return (b[0], b[1] & 0xc0) switch
        {
            (0xff, _) => "multicast",
            (0xfe, 0x80) => "link-local",
            (0xfe, 0xc0) => "site-local (deprecated)",
            _ when (b[0] & 0xfe) == 0xfc => "private (unique local)",
            _ when b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => "documentation",
            _ when b[0] == 0x20 && b[1] == 0x02 => ClassifyV4(b[2..6]), // 6to4 carries an IPv4 address
            _ => null,
        };
    }

    private static string? ClassifyV4(ReadOnlySpan<byte> a) => a[0] switch
    {
        0 => "unspecified (this network)",
        10 => "private",
        127 => "loopback",
        100 when (a[1] & 0xc0) == 64 => "shared address space (CGNAT)",
        169 when a[1] == 254 => a[2] == 169 && a[3] == 254 ? "cloud metadata" : "link-local",
        172 when (a[1] & 0xf0) == 16 => "private",
        192 when a[1] == 168 => "private",
        192 when a[1] == 0 && a[2] == 0 => "IETF protocol assignment",
        192 when a[1] == 0 && a[2] == 2 => "documentation",
        198 when (a[1] & 0xfe) == 18 => "benchmarking",
        198 when a[1] == 51 && a[2] == 100 => "documentation",
        203 when a[1] == 0 && a[2] == 113 => "documentation",
        >= 224 and < 240 => "multicast",
        >= 240 => a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255 ? "broadcast" : "reserved",
        _ => null,
    };
}
