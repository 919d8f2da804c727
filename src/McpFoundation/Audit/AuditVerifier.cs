using System.Globalization;

namespace McpFoundation.Audit;

/// <summary>What <see cref="AuditVerifier"/> found.</summary>
/// <param name="IsIntact">Whether the trail verifies: every hash, link and checkpoint signature holds, and nothing a checkpoint covers is missing.</param>
/// <param name="RecordsChecked">How many records were read.</param>
/// <param name="FirstSequence">The first record's sequence number (0 when empty).</param>
/// <param name="LastSequence">The last record's sequence number (0 when empty).</param>
/// <param name="CheckpointedThrough">The sequence number the newest valid checkpoint covers (0 when none).</param>
/// <param name="NotCheckpointed">How many newest records are chained but not yet checkpointed (a crash can leave these; they are not a failure).</param>
/// <param name="FirstBadSequence">The sequence number of the first bad record or checkpoint, when broken.</param>
/// <param name="Problem">What is wrong, in words, when broken.</param>
public sealed record AuditVerificationResult(
    bool IsIntact,
    long RecordsChecked,
    long FirstSequence,
    long LastSequence,
    long CheckpointedThrough,
    long NotCheckpointed,
    long? FirstBadSequence,
    string? Problem);

/// <summary>
/// Checks the trail: each record's hash over its fields, each link to its predecessor, sequence numbers without gaps,
/// each checkpoint's HMAC and that it matches the record it names, and that no record a checkpoint covers is missing.
/// The first record of a pruned trail must follow its anchor checkpoint. Names the first bad record.
/// </summary>
internal static class AuditVerifier
{
    public static async ValueTask<AuditVerificationResult> VerifyAsync(IAuditStore store, CheckpointSigner signer, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(signer);
        var checkpoints = new SortedDictionary<long, AuditCheckpoint>();
        await foreach (AuditCheckpoint checkpoint in store.ReadCheckpointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!signer.Verify(checkpoint))
            {
                return Broken(0, 0, 0, 0, checkpoint.Sequence, string.Create(CultureInfo.InvariantCulture, $"the checkpoint at record {checkpoint.Sequence} has a bad signature: it was edited, or made with another key"));
            }

            checkpoints[checkpoint.Sequence] = checkpoint;
        }

        long checkedCount = 0;
        long first = 0;
        long previousSequence = 0;
        string previousHash = AuditChain.Genesis;
        long checkpointed = 0;
        await foreach (AuditRecord record in store.ReadAsync(0, null, cancellationToken).ConfigureAwait(false))
        {
            checkedCount++;
            if (checkedCount == 1)
            {
                first = record.Sequence;
                if (record.Sequence != 1)
                {
                    // A pruned trail starts right after its anchor checkpoint, which carries the prune's signed mark.
                    if (!checkpoints.TryGetValue(record.Sequence - 1, out AuditCheckpoint? anchor) || anchor.Hash != record.PreviousHash)
                    {
                        return Broken(checkedCount, first, record.Sequence, 0, record.Sequence, string.Create(CultureInfo.InvariantCulture, $"records 1 to {record.Sequence - 1} are missing and no checkpoint anchors record {record.Sequence} (records were deleted from the start, not pruned)"));
                    }

                    if (!signer.VerifyPrune(anchor))
                    {
                        return Broken(checkedCount, first, record.Sequence, 0, record.Sequence, string.Create(CultureInfo.InvariantCulture, $"records 1 to {record.Sequence - 1} are missing and checkpoint {anchor.Sequence} carries no valid prune mark: the gateway did not prune there, so records were deleted from the start"));
                    }

                    previousSequence = anchor.Sequence;
                    previousHash = anchor.Hash;
                    checkpointed = anchor.Sequence;
                }
            }

            if (record.Sequence != previousSequence + 1)
            {
                return Broken(checkedCount, first, record.Sequence, checkpointed, previousSequence + 1, string.Create(CultureInfo.InvariantCulture, $"record {previousSequence + 1} is missing (the trail jumps from {previousSequence} to {record.Sequence}): records were deleted"));
            }

            if (record.PreviousHash != previousHash)
            {
                return Broken(checkedCount, first, record.Sequence, checkpointed, record.Sequence, string.Create(CultureInfo.InvariantCulture, $"record {record.Sequence} ({record.CorrelationId}) does not follow record {previousSequence}: records were inserted, reordered or deleted here"));
            }

            if (AuditChain.ComputeHash(record) != record.Hash)
            {
                return Broken(checkedCount, first, record.Sequence, checkpointed, record.Sequence, string.Create(CultureInfo.InvariantCulture, $"record {record.Sequence} ({record.CorrelationId}) was edited: its content does not match its hash"));
            }

            if (checkpoints.TryGetValue(record.Sequence, out AuditCheckpoint? signed))
            {
                if (signed.Hash != record.Hash)
                {
                    return Broken(checkedCount, first, record.Sequence, checkpointed, record.Sequence, string.Create(CultureInfo.InvariantCulture, $"record {record.Sequence} ({record.CorrelationId}) differs from what the checkpoint signed: the trail was rewritten up to here"));
                }

                checkpointed = record.Sequence;
            }

            previousSequence = record.Sequence;
            previousHash = record.Hash!;
            if (checkedCount % 10_000 == 0)
            {
                progress?.Report(checkedCount);
            }
        }

        if (checkedCount == 0 && checkpoints.Count == 1)
        {
            // Everything was pruned: the anchor checkpoint alone remains, with its prune mark.
            AuditCheckpoint anchor = checkpoints.Values.First();
            return signer.VerifyPrune(anchor)
                ? new AuditVerificationResult(true, 0, 0, anchor.Sequence, anchor.Sequence, 0, null, null)
                : Broken(0, 0, 0, 0, 1, string.Create(CultureInfo.InvariantCulture, $"the trail holds no record and checkpoint {anchor.Sequence} carries no valid prune mark: records were deleted, not pruned"));
        }

        if (checkpoints.Count > 0 && checkpoints.Keys.Max() is var newest && newest > previousSequence)
        {
            return Broken(checkedCount, first, previousSequence, checkpointed, previousSequence + 1, string.Create(CultureInfo.InvariantCulture, $"records {previousSequence + 1} to {newest} are missing: a checkpoint signed the trail through record {newest}, but it ends at {previousSequence} (truncated)"));
        }

        return new AuditVerificationResult(true, checkedCount, first, previousSequence, checkpointed, previousSequence - checkpointed, null, null);
    }

    private static AuditVerificationResult Broken(long checkedCount, long first, long last, long checkpointed, long bad, string problem) =>
        new(false, checkedCount, first, last, checkpointed, 0, bad, problem);
}
