using System.Globalization;
using System.Security.Cryptography;

namespace McpFoundation.Pipeline;

/// <summary>
/// Makes correlation ids: a random prefix per gateway process and a counter, e.g. <c>3f9a2c1d7e00b514-000000000000002a</c>.
/// Unique across restarts and instances, ordered within one process, and cheap enough for every call on the hot path.
/// </summary>
internal static class CorrelationIds
{
    private static readonly string Prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "-";
    private static long _next;

    /// <summary>Gets this process's prefix of every correlation id it makes (16 hex digits and a dash): who made a record.</summary>
    public static string InstancePrefix => Prefix;

    public static string Next() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Interlocked.Increment(ref _next):x16}");
}
