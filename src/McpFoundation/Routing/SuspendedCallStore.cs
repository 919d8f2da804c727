using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace McpFoundation.Routing;

/// <summary>The suspended MRTR calls, by their unguessable request-state id; each is resumed at most once at a time.</summary>
internal sealed class SuspendedCallStore
{
    private readonly ConcurrentDictionary<string, SuspendedCall> _calls = new(StringComparer.Ordinal);

    public int Count => _calls.Count;

    public static string NewId() => "mcpf-mrtr-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public void Park(SuspendedCall call) => _calls[call.Id] = call;

    /// <summary>Takes a suspended call for resumption; null if the id is unknown, expired, taken, or belongs to another user.</summary>
    public SuspendedCall? TryTake(string id, string? userId, string toolName)
    {
        if (!_calls.TryGetValue(id, out SuspendedCall? call) || call.UserId != userId || call.ToolName != toolName)
        {
            return null;
        }

        return _calls.TryRemove(new KeyValuePair<string, SuspendedCall>(id, call)) ? call : null;
    }

    public bool Remove(SuspendedCall call) => _calls.TryRemove(new KeyValuePair<string, SuspendedCall>(call.Id, call));
}
