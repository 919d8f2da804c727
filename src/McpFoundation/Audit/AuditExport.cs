using System.Globalization;
using System.Text;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Storage;

namespace McpFoundation.Audit;

/// <summary>Opens a trail for reading and writes records as JSON Lines or CSV (<c>mcpf audit</c>).</summary>
public static class AuditExport
{
    private static readonly string[] CsvColumns =
    [
        "sequence", "kind", "time", "correlation_id", "session_id", "user_id", "client_name", "client_version", "server_id",
        "method", "target", "arguments", "arguments_sha256", "decision", "decided_by", "rule", "risk_score", "latency_ms",
        "outcome", "error_code", "error_message", "details", "previous_hash", "hash",
    ];

    /// <summary>
    /// Opens the trail a gateway writes: PostgreSQL when <c>MCPF_AUDIT_PG</c> or the configuration's
    /// <c>audit.connection_string</c> names one, else <c>audit.db</c> in <paramref name="dataDirectory"/> or the
    /// configuration's data directory. Also returns the data directory (where the checkpoint key is).
    /// </summary>
    public static IAuditStore OpenForReading(GatewayConfiguration? configuration, string? dataDirectory, IReadOnlyDictionary<string, string?> environment, out string resolvedDataDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        resolvedDataDirectory = dataDirectory is { Length: > 0 } given
            ? Path.GetFullPath(given)
            : configuration is not null ? DataDirectory.Resolve(configuration)
            : environment.TryGetValue(DataDirectory.Variable, out string? fromEnvironment) && fromEnvironment is { Length: > 0 } ? Path.GetFullPath(fromEnvironment)
            : DataDirectory.Default();
        string? connection = environment.TryGetValue(AuditSettings.ConnectionStringVariable, out string? pg) && !string.IsNullOrWhiteSpace(pg)
            ? pg
            : configuration is null ? null : AuditInstallation.SettingsOf(configuration).ConnectionString;
        return connection is not null ? new PostgresAuditStore(connection) : new SqliteAuditStore(resolvedDataDirectory, readOnly: true);
    }

    /// <summary>
    /// The started records that gateways gone from <paramref name="dataDirectory"/> (a crash, a kill) left in their
    /// journals and <paramref name="store"/> does not have yet, oldest first: sequence 0 and no hash, since they join
    /// the chain when the next gateway starts on that data directory.
    /// </summary>
    public static async Task<IReadOnlyList<AuditRecord>> ReadJournaledAsync(IAuditStore store, string dataDirectory, CancellationToken cancellationToken = default) =>
        (await AuditJournalRecovery.FindMissingAsync(store, dataDirectory, cancellationToken).ConfigureAwait(false)).Missing;

    /// <summary>Verifies the trail with the key in <paramref name="dataDirectory"/>.</summary>
    public static async Task<AuditVerificationResult> VerifyAsync(IAuditStore store, string dataDirectory, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        await AuditVerifier.VerifyAsync(store, CheckpointSigner.FromDataDirectory(dataDirectory, create: false), progress, cancellationToken).ConfigureAwait(false);

    /// <summary>One record as a line of JSON.</summary>
    public static string ToJson(AuditRecord record) => JsonSerializer.Serialize(record, AuditJsonContext.Default.AuditRecord);

    /// <summary>A verification result as JSON.</summary>
    public static string ToJson(AuditVerificationResult result) => JsonSerializer.Serialize(result, AuditJsonContext.Default.AuditVerificationResult);

    /// <summary>Statistics as JSON.</summary>
    public static string ToJson(List<AuditToolStatistics> statistics) => JsonSerializer.Serialize(statistics, AuditJsonContext.Default.ListAuditToolStatistics);

    /// <summary>The CSV header line.</summary>
    public static string CsvHeader => string.Join(',', CsvColumns);

    /// <summary>One record as a CSV line (RFC 4180 quoting; a cell that starts like a formula is prefixed with <c>'</c>).</summary>
    public static string ToCsv(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        string?[] cells =
        [
            record.Sequence.ToString(CultureInfo.InvariantCulture), AuditChain.KindName(record.Kind), record.Time.ToString("O", CultureInfo.InvariantCulture),
            record.CorrelationId, record.SessionId, record.UserId, record.ClientName, record.ClientVersion, record.ServerId, record.Method, record.Target,
            record.Arguments, record.ArgumentsSha256, record.Decision, record.DecidedBy, record.Rule,
            record.RiskScore?.ToString("R", CultureInfo.InvariantCulture), record.LatencyMs?.ToString("0.###", CultureInfo.InvariantCulture),
            record.Outcome, record.ErrorCode?.ToString(CultureInfo.InvariantCulture), record.ErrorMessage, record.Details, record.PreviousHash, record.Hash,
        ];
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            string cell = cells[i] ?? string.Empty;
            if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' && i != 16 && i != 17 && i != 19)
            {
                cell = "'" + cell;
            }

            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                line.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(cell);
            }
        }

        return line.ToString();
    }

    /// <summary>
    /// Marks the started records of <paramref name="records"/> that have no finished record as unfinished when read
    /// (a trail read right after a crash, before the gateway's next start writes their finished records).
    /// </summary>
    public static IReadOnlySet<string> Unfinished(IEnumerable<AuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var started = new HashSet<string>(StringComparer.Ordinal);
        foreach (AuditRecord record in records)
        {
            if (record.CorrelationId is not { } id)
            {
                continue;
            }

            if (record.Kind == AuditRecordKind.OperationStarted)
            {
                started.Add(id);
            }
            else if (record.Kind == AuditRecordKind.OperationFinished)
            {
                started.Remove(id);
            }
        }

        return started;
    }
}
