namespace McpFoundation.Audit;

/// <summary>
/// Where the audit trail is kept: embedded SQLite (<c>audit.db</c> in the data directory, the default) or PostgreSQL
/// (<c>audit.connection_string</c> / <c>MCPF_AUDIT_PG</c>). Only the trail's one background writer appends; readers
/// (<c>mcpf audit</c>, the verifier) may run in other processes at the same time. Never called on a request path.
/// </summary>
public interface IAuditStore : IAsyncDisposable
{
    /// <summary>Gets what the store is, for messages (<c>SQLite /path/audit.db</c>, <c>PostgreSQL host:port/db</c>); never a password.</summary>
    string Description { get; }

    /// <summary>Creates the schema or brings it up to date (versioned migrations); safe to call again.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends the records in one transaction (a group commit), linking each to its predecessor in the hash chain;
    /// returns them with their sequence numbers and hashes. Durable when the returned task completes.
    /// </summary>
    ValueTask<IReadOnlyList<AuditRecord>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Writes a signed checkpoint.</summary>
    ValueTask AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Gets the newest record's sequence number and hash; null when the trail is empty.</summary>
    ValueTask<(long Sequence, string Hash)?> LastRecordAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the records after <paramref name="afterSequence"/> in sequence order (at most <paramref name="limit"/>).</summary>
    IAsyncEnumerable<AuditRecord> ReadAsync(long afterSequence = 0, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the records that match <paramref name="query"/>, in sequence order.</summary>
    IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads every checkpoint in sequence order.</summary>
    IAsyncEnumerable<AuditCheckpoint> ReadCheckpointsAsync(CancellationToken cancellationToken = default);

    /// <summary>Finds the operations that have a started record and no finished one (calls cut off by a crash, or still running).</summary>
    ValueTask<IReadOnlyList<AuditRecord>> FindUnfinishedAsync(CancellationToken cancellationToken = default);

    /// <summary>Records that a gateway instance (its correlation id prefix, its host and process id) is alive at <paramref name="seen"/>'s time.</summary>
    ValueTask HeartbeatAsync(AuditInstance seen, CancellationToken cancellationToken = default);

    /// <summary>Gets every gateway instance that writes the trail, with when it was last seen alive, by instance prefix.</summary>
    ValueTask<IReadOnlyDictionary<string, AuditInstance>> ReadInstancesAsync(CancellationToken cancellationToken = default);

    /// <summary>Counts the records.</summary>
    ValueTask<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the records older than <paramref name="cutoff"/> in whole checkpoint segments: everything up to the newest
    /// checkpoint made before <paramref name="cutoff"/>, which is kept as the anchor the remaining trail verifies from.
    /// </summary>
    /// <param name="cutoff">Records older than this go.</param>
    /// <param name="signPrune">Signs the anchor's prune mark (<see cref="AuditCheckpoint.PruneMac"/>), written in the same
    /// transaction: without it, a trail that starts after record 1 does not verify.</param>
    /// <param name="cancellationToken">Cancels the prune (nothing is deleted).</param>
    ValueTask<AuditPruneResult> PruneAsync(DateTimeOffset cutoff, Func<AuditCheckpoint, string> signPrune, CancellationToken cancellationToken = default);
}

/// <summary>A gateway process that writes the trail, as its heartbeat records it.</summary>
/// <param name="Instance">Its correlation id prefix (every record it makes carries it).</param>
/// <param name="LastSeen">When it last recorded that it is alive.</param>
/// <param name="Host">The machine it runs on (<see cref="Environment.MachineName"/>).</param>
/// <param name="ProcessId">Its process id there.</param>
public sealed record AuditInstance(string Instance, DateTimeOffset LastSeen, string Host, int ProcessId);

/// <summary>A filter over the trail; null fields match everything.</summary>
public sealed record AuditQuery
{
    /// <summary>Gets the user id to match.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the tool, resource or prompt name to match.</summary>
    public string? Target { get; init; }

    /// <summary>Gets the server id to match.</summary>
    public string? ServerId { get; init; }

    /// <summary>Gets the decision to match (<c>allow</c>, <c>deny</c>, <c>input_required</c>).</summary>
    public string? Decision { get; init; }

    /// <summary>Gets the correlation id to match.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the earliest time (inclusive).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the latest time (exclusive).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets the most records to return (the newest ones when set).</summary>
    public int? Limit { get; init; }
}

/// <summary>What a prune removed.</summary>
/// <param name="RecordsDeleted">How many records were deleted.</param>
/// <param name="AnchorSequence">The checkpoint the remaining trail starts after; null when nothing was pruned.</param>
public sealed record AuditPruneResult(long RecordsDeleted, long? AnchorSequence);
