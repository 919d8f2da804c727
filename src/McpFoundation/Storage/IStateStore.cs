namespace McpFoundation.Storage;

/// <summary>
/// The gateway's persistent state (emergency state, tool pins, keys, escalations): small JSON values under string
/// keys, shared by every gateway process that uses the same data directory (SQLite, the default) or the same
/// PostgreSQL database. Not on the request path: callers read at start and when told something changed, and write
/// rarely. Each feature uses keys under its own prefix (<c>emergency/</c>, <c>integrity/</c>, ...).
/// </summary>
public interface IStateStore
{
    /// <summary>Reads one entry; null when the key has none.</summary>
    ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes (inserts or replaces) one entry; returns it with its new version.</summary>
    ValueTask<StateEntry> SetAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Deletes one entry; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Lists the entries whose keys start with <paramref name="prefix"/>, in key order.</summary>
    ValueTask<IReadOnlyList<StateEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default);
}

/// <summary>One entry of the state store.</summary>
/// <param name="Key">The key, e.g. <c>emergency/state</c>.</param>
/// <param name="Value">The value, JSON text.</param>
/// <param name="Version">Grows by one at every write of the key (a reader can tell that it changed).</param>
/// <param name="UpdatedAt">When it was last written.</param>
public sealed record StateEntry(string Key, string Value, long Version, DateTimeOffset UpdatedAt);
