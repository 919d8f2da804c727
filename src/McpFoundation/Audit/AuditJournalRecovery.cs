namespace McpFoundation.Audit;

/// <summary>
/// The records that journals of gateways gone from a data directory hold and their store does not (see
/// <see cref="AuditJournal"/>): added to the store by the next gateway that starts there, and shown by
/// <c>mcpf audit export</c> before that.
/// </summary>
internal static class AuditJournalRecovery
{
    /// <summary>
    /// Reads the journals of gone gateways in <paramref name="dataDirectory"/> and returns, oldest first, the records
    /// the store does not have (no record of the same kind and correlation id and, for a started record, no finished
    /// one either: a record committed just before the crash is in both), with the journals read.
    /// </summary>
    public static async Task<(IReadOnlyList<AuditRecord> Missing, IReadOnlyList<string> Files)> FindMissingAsync(IAuditStore store, string dataDirectory, CancellationToken cancellationToken)
    {
        AuditJournal.GoneJournals gone = AuditJournal.ReadGone(dataDirectory);
        var missing = new List<AuditRecord>(gone.Records.Count);
        foreach (AuditRecord record in gone.Records)
        {
            if (record.CorrelationId is null || !await HasAsync(store, record, cancellationToken).ConfigureAwait(false))
            {
                missing.Add(record);
            }
        }

        return (missing, gone.Files);
    }

    /// <summary>Deletes journals whose records are in the store now.</summary>
    public static void Delete(IReadOnlyList<string> files)
    {
        foreach (string file in files)
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Read again at the next start: its records are found in the store then and not added twice.
            }
        }
    }

    private static async Task<bool> HasAsync(IAuditStore store, AuditRecord record, CancellationToken cancellationToken)
    {
        await foreach (AuditRecord stored in store.QueryAsync(new AuditQuery { CorrelationId = record.CorrelationId }, cancellationToken).ConfigureAwait(false))
        {
            // A call stored as one finished record (its started record merged into it) was journaled as started.
            if (stored.Kind == record.Kind || (record.Kind == AuditRecordKind.OperationStarted && stored.Kind == AuditRecordKind.OperationFinished))
            {
                return true;
            }
        }

        return false;
    }
}
