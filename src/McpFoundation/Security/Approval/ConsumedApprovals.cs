using System.Collections.Concurrent;

namespace McpFoundation.Security.Approval;

/// <summary>
/// The approval states already used, until they expire: an approval answers one call, so a stateless client that sends
/// the same approved state twice gets the second call refused. Entries live no longer than the state they record.
/// </summary>
internal sealed class ConsumedApprovals(TimeProvider timeProvider)
{
    private const int SweepThreshold = 1024;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    public int Count => _used.Count;

    /// <summary>Marks the state as used; false if it was used before.</summary>
    public bool TryConsume(ApprovalState state)
    {
        if (_used.Count >= SweepThreshold)
        {
            DateTimeOffset now = timeProvider.GetUtcNow();
            foreach (KeyValuePair<string, DateTimeOffset> entry in _used)
            {
                if (entry.Value <= now)
                {
                    _used.TryRemove(entry);
                }
            }
        }

        return _used.TryAdd(state.Nonce, state.ExpiresAt);
    }
}
