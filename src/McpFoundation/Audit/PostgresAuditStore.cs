using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace McpFoundation.Audit;

/// <summary>
/// The trail in PostgreSQL (<c>audit.connection_string</c> or <c>MCPF_AUDIT_PG</c>), through Npgsql. A batch is
/// written with one binary <c>COPY</c> inside a transaction that holds an advisory lock, so that several gateways
/// sharing one database keep one chain.
/// </summary>
internal sealed class PostgresAuditStore : RelationalAuditStore
{
    /// <summary>The advisory lock key of the trail's writers ("mcpfaud" as a number).</summary>
    private const long WriterLock = 0x6d63_7066_6175_64;

    private static readonly string[] Schema =
    [
        """
        CREATE TABLE audit_records (
            seq BIGINT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, time_ms BIGINT NOT NULL, correlation_id TEXT, session_id TEXT,
            user_id TEXT, client_name TEXT, client_version TEXT, server_id TEXT, method TEXT, target TEXT, arguments TEXT,
            arguments_sha256 TEXT, decision TEXT, decided_by TEXT, rule TEXT, risk_score DOUBLE PRECISION, latency_ms DOUBLE PRECISION,
            outcome TEXT, error_code INTEGER, error_message TEXT, details TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE INDEX audit_records_correlation ON audit_records (correlation_id);
        CREATE INDEX audit_records_time ON audit_records (time_ms);
        CREATE TABLE audit_checkpoints (seq BIGINT PRIMARY KEY NOT NULL, hash TEXT NOT NULL, time_ms BIGINT NOT NULL, mac TEXT NOT NULL)
        """,
        """
        ALTER TABLE audit_checkpoints ADD COLUMN prune_mac TEXT
        """,
        """
        CREATE TABLE audit_instances (instance TEXT PRIMARY KEY NOT NULL, last_seen_ms BIGINT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL)
        """,
    ];

    private static readonly NpgsqlDbType[] ColumnTypes =
    [
        NpgsqlDbType.Bigint, NpgsqlDbType.Text, NpgsqlDbType.Bigint, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text,
        NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text,
        NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Double, NpgsqlDbType.Double,
        NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text,
    ];

    private readonly NpgsqlDataSource _dataSource;

    public PostgresAuditStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override string Description { get; }

    protected override IReadOnlyList<string> Migrations => Schema;

    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)");
        AddParameter(command, "@key", WriterLock);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    protected override async ValueTask InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using NpgsqlBinaryImporter importer = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(
            $"COPY audit_records ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (AuditRecord record in records)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            object?[] values = Values(record);
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] is null)
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteAsync(values[i], ColumnTypes[i], cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
