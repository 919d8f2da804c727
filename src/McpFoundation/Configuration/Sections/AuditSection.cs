namespace McpFoundation.Configuration.Sections;

/// <summary>The <c>audit</c> object as written in the file; <see langword="null"/> means not set. Validated by <see cref="AuditSectionValidator"/>.</summary>
internal sealed record AuditSection
{
    public bool? Enabled { get; init; }

    public string? ConnectionString { get; init; }

    public double? CheckpointInterval { get; init; }

    public int? CheckpointRecords { get; init; }

    public int? QueueCapacity { get; init; }

    public int? MaxBatch { get; init; }

    public int? JournalBytes { get; init; }

    public List<string>? RedactPii { get; init; }

    public Dictionary<string, string>? RedactPatterns { get; init; }

    public bool? RecordLists { get; init; }
}
