using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace McpFoundation.Security.Approval;

/// <summary>What an approval request state says, once its signature and lifetime are checked.</summary>
/// <param name="ToolName">The exposed tool the approval was asked for.</param>
/// <param name="Binding">The binding hash (<see cref="ApprovalBinding"/>) of the tool and arguments the user was shown.</param>
/// <param name="UserId">The user who was asked (null for an anonymous caller).</param>
/// <param name="ExpiresAt">When the state stops being accepted.</param>
/// <param name="Nonce">A random id of this one approval request (an approval is used at most once).</param>
internal sealed record ApprovalState(string ToolName, string Binding, string? UserId, DateTimeOffset ExpiresAt, string Nonce);

/// <summary>Why a request state was not accepted.</summary>
internal enum ApprovalStateProblem
{
    /// <summary>The state is genuine and still valid.</summary>
    None,

    /// <summary>Not a state this gateway process issued, or altered since (bad format or signature).</summary>
    Forged,

    /// <summary>Genuine, but its lifetime ended.</summary>
    Expired,
}

/// <summary>
/// The <c>requestState</c> of a gateway-originated approval sent to a stateless (2026-07-28) client as an input request.
/// It holds no secret and needs no server-side memory: the tool, the binding hash, the user, an expiry and a nonce,
/// signed with HMAC-SHA256 under a key drawn at random when the process starts (a restart invalidates every open
/// approval request, which then fails closed). Form: <c>mcpf-approval-</c> base64url(payload) <c>.</c> base64url(mac).
/// </summary>
internal sealed class ApprovalStateToken
{
    /// <summary>The prefix that tells the gateway's approval states from the request states of calls suspended downstream.</summary>
    public const string Prefix = "mcpf-approval-";

    private const int MaxTokenLength = 8192;
    private readonly byte[] _key;
    private readonly TimeProvider _timeProvider;

    public ApprovalStateToken(TimeProvider timeProvider)
        : this(RandomNumberGenerator.GetBytes(32), timeProvider)
    {
    }

    internal ApprovalStateToken(byte[] key, TimeProvider timeProvider)
    {
        _key = key;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets a value indicating whether a request state claims to be an approval state (it still has to verify).</summary>
    public static bool IsApprovalState(string? requestState) => requestState?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    /// <summary>Issues a state for one approval request that expires after <paramref name="lifetime"/>.</summary>
    public string Issue(string toolName, string binding, string? userId, TimeSpan lifetime)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", 1);
            writer.WriteString("t", toolName);
            writer.WriteString("h", binding);
            if (userId is not null)
            {
                writer.WriteString("u", userId);
            }

            writer.WriteNumber("e", (_timeProvider.GetUtcNow() + lifetime).ToUnixTimeMilliseconds());
            writer.WriteString("n", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            writer.WriteEndObject();
        }

        ReadOnlySpan<byte> payload = buffer.WrittenSpan;
        return Prefix + Base64Url(payload) + "." + Base64Url(HMACSHA256.HashData(_key, payload));
    }

    /// <summary>Checks a state's signature and lifetime; returns what it says when both hold.</summary>
    public ApprovalStateProblem TryVerify(string? requestState, out ApprovalState? state)
    {
        state = null;
        if (!IsApprovalState(requestState) || requestState!.Length > MaxTokenLength)
        {
            return ApprovalStateProblem.Forged;
        }

        string body = requestState[Prefix.Length..];
        int dot = body.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !TryDecode(body[..dot], out byte[]? payload) || !TryDecode(body[(dot + 1)..], out byte[]? mac))
        {
            return ApprovalStateProblem.Forged;
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), mac))
        {
            return ApprovalStateProblem.Forged;
        }

        ApprovalState? parsed = Parse(payload);
        if (parsed is null)
        {
            return ApprovalStateProblem.Forged;
        }

        if (_timeProvider.GetUtcNow() >= parsed.ExpiresAt)
        {
            return ApprovalStateProblem.Expired;
        }

        state = parsed;
        return ApprovalStateProblem.None;
    }

    private static ApprovalState? Parse(byte[] payload)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(payload);
            JsonElement root = document.RootElement;
            if (root.GetProperty("v").GetInt32() != 1)
            {
                return null;
            }

            string? user = root.TryGetProperty("u", out JsonElement u) ? u.GetString() : null;
            return new ApprovalState(
                root.GetProperty("t").GetString()!,
                root.GetProperty("h").GetString()!,
                user,
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("e").GetInt64()),
                root.GetProperty("n").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            return null; // signed by this process, so only a gateway bug gets here; refused all the same
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        bytes = new byte[padded.Length];
        if (padded.Length % 4 == 1 || !Convert.TryFromBase64String(padded, bytes, out int written))
        {
            bytes = [];
            return false;
        }

        bytes = bytes[..written];

        // Only the one canonical spelling: base64's unused low bits of the last character must not make a second one.
        return string.Equals(Base64Url(bytes), text, StringComparison.Ordinal);
    }
}
