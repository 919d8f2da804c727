using System.Globalization;
using System.Net;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Reads a host written as an IPv4 address in every spelling resolvers accept (inet_aton): dotted decimal, decimal
/// (<c>2130706433</c>), octal (<c>0177.0.0.1</c>), hex (<c>0x7f000001</c>, <c>0x7f.1</c>) and short (<c>127.1</c>).
/// </summary>
internal static class Ipv4Literal
{
    /// <summary>Reads <paramref name="host"/> as an IPv4 address.</summary>
    /// <param name="host">The host, without brackets or port.</param>
    /// <param name="address">The address, when the host is one.</param>
    /// <param name="ambiguous">Set when the host looks numeric but is no valid address.</param>
    /// <returns>
    /// <see langword="true"/> when the host is an IPv4 literal; <see langword="false"/> when it is a name. A host whose
    /// last label is numeric but which is no valid address (<c>1.2.3.999</c>, <c>09.1</c>) is neither: <paramref name="ambiguous"/> is set.
    /// </returns>
    public static bool TryParse(string host, out IPAddress? address, out bool ambiguous)
    {
        address = null;
        ambiguous = false;
        var labels = host.EndsWith('.') ? host[..^1].Split('.') : host.Split('.');
        if (labels.Length == 0 || !LooksNumeric(labels[^1]))
        {
            return false; // a name (WHATWG: only a numeric last label makes a host an IPv4 address)
        }

        if (labels.Length > 4)
        {
            ambiguous = true;
            return false;
        }

        var parts = new ulong[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            if (!TryParsePart(labels[i], out parts[i]))
            {
                ambiguous = true;
                return false;
            }
        }

        ulong value = 0;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parts[i] > 255)
            {
                ambiguous = true;
                return false;
            }

            value |= parts[i] << (8 * (3 - i));
        }

        var last = parts[^1];
        var lastBits = 8 * (5 - parts.Length);
        if (last >= 1UL << lastBits)
        {
            ambiguous = true;
            return false;
        }

        value |= last;
        address = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
        return true;
    }

    private static bool LooksNumeric(string label) =>
        label.Length > 0 && (label.All(char.IsAsciiDigit) || (label.Length >= 2 && label[0] == '0' && (label[1] is 'x' or 'X') && label[2..].All(char.IsAsciiHexDigit)));

    private static bool TryParsePart(string label, out ulong value)
    {
        value = 0;
        if (label.Length == 0 || label.Length > 32)
        {
            return false;
        }

        if (label.Length >= 2 && label[0] == '0' && (label[1] is 'x' or 'X'))
        {
            return label.Length == 2 || ulong.TryParse(label.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (label.Length > 1 && label[0] == '0')
        {
            foreach (var c in label.AsSpan(1))
            {
                if (c is < '0' or > '7')
                {
                    return false;
                }

                value = (value * 8) + (ulong)(c - '0');
                if (value > uint.MaxValue)
                {
                    return false;
                }
            }

            return true;
        }

        return ulong.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }
}
