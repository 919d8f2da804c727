namespace McpFoundation.Audit;

/// <summary>The <c>audit</c> section, validated (see docs/configuration.md and docs/audit.md).</summary>
public sealed record AuditSettings
{
    /// <summary>The variable that names a PostgreSQL connection string for the trail (wins over <c>audit.connection_string</c>).</summary>
    public const string ConnectionStringVariable = "MCPF_AUDIT_PG";

    /// <summary>Gets the default settings: SQLite in the data directory, a checkpoint every second or 1000 records.</summary>
    public static AuditSettings Default { get; } = new();

    /// <summary>Gets whether the trail is written (default true). When false, nothing is recorded and no call is refused for want of it.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets the PostgreSQL connection string (Npgsql keywords); null keeps the trail in SQLite (<c>audit.db</c> in the data directory).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Gets how often a checkpoint is signed when records were written since the last one (default 1 s).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets after how many records a checkpoint is signed at the latest (default 1000).</summary>
    public int CheckpointRecords { get; init; } = 1000;

    /// <summary>Gets how many records may wait for the writer (default 65536); when it is full, calls are refused (fail closed).</summary>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>Gets the most records the writer commits in one transaction (default 4096).</summary>
    public int MaxBatch { get; init; } = 4096;

    /// <summary>
    /// Gets the size in bytes of the journal that makes a call's started record durable without waiting for a commit
    /// (default 8 MiB, a memory-mapped file in <c>audit-journal/</c> of the data directory); 0 turns it off, and each
    /// call then waits for the group commit of its started record.
    /// </summary>
    public int JournalBytes { get; init; } = AuditJournal.DefaultBytes;

    /// <summary>
    /// Gets the longest a queued record (a finished call, an event, a journaled started record) waits before it is
    /// committed with no call waiting to share the commit (20 ms). Not a configuration field: tests lengthen it to
    /// decide which records share a commit.
    /// </summary>
    internal TimeSpan QueuedRecordDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Gets the PII detectors redacted from records, exports and (with <c>redact_results</c>) results: <c>email</c>, <c>card_number</c>, <c>phone</c> (default all). Secrets are always redacted.</summary>
    public IReadOnlyList<string> RedactPii { get; init; } = Redaction.RedactionDetectors.PiiNames;

    /// <summary>Gets further patterns to redact, by name (regular expressions).</summary>
    public IReadOnlyDictionary<string, string> RedactPatterns { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets whether list requests (<c>tools/list</c>, ...) that were allowed are recorded too (default false; denials always are).</summary>
    public bool RecordLists { get; init; }
}
