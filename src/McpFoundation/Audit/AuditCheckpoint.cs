namespace McpFoundation.Audit;

/// <summary>
/// A signed statement that the trail held <see cref="Sequence"/> records, the last with <see cref="Hash"/>, at
/// <see cref="Time"/>. <see cref="Mac"/> is the HMAC-SHA256 of those three with the key in the data directory
/// (<c>audit.key</c>): a trail rewritten without the key no longer matches its checkpoints.
/// </summary>
/// <param name="Sequence">The sequence number of the last record covered.</param>
/// <param name="Hash">That record's hash.</param>
/// <param name="Time">When the checkpoint was made.</param>
/// <param name="Mac">The lower-case hex HMAC-SHA256.</param>
public sealed record AuditCheckpoint(long Sequence, string Hash, DateTimeOffset Time, string Mac)
{
    /// <summary>
    /// Gets the signed mark a prune leaves on its anchor checkpoint (HMAC-SHA256 with the same key, in a domain of its
    /// own): the trail may start after this checkpoint because the gateway pruned it there. Null on every other checkpoint.
    /// </summary>
    public string? PruneMac { get; init; }
}
