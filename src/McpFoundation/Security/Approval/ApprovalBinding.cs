using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace McpFoundation.Security.Approval;

/// <summary>
/// What an approval is bound to: a SHA-256 over the exposed tool name and the canonical JSON of the arguments
/// (<see cref="CanonicalJson"/>). An approval given for one binding is never accepted for another: other arguments,
/// another tool, or the same arguments in another order of values give another hash.
/// </summary>
internal static class ApprovalBinding
{
    /// <summary>Computes the binding of a call, as lower-case hex.</summary>
    /// <param name="toolName">The exposed tool name (as the client called it).</param>
    /// <param name="arguments">The arguments the filters decided on (canonical, after any <c>ReplaceArguments</c>).</param>
    /// <returns>64 hex characters.</returns>
    public static string Compute(string toolName, IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        ArgumentNullException.ThrowIfNull(toolName);
        byte[] canonical = CanonicalJson.Write(arguments);
        int nameBytes = Encoding.UTF8.GetByteCount(toolName);

        // The name's length first, so that a name and arguments can never run into each other.
        byte[] input = new byte[4 + nameBytes + canonical.Length];
        BinaryPrimitives.WriteInt32BigEndian(input, nameBytes);
        Encoding.UTF8.GetBytes(toolName, input.AsSpan(4));
        canonical.CopyTo(input, 4 + nameBytes);
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }
}
