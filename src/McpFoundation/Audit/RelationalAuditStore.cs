using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace McpFoundation.Audit;

/// <summary>
/// The SQL both stores share: the schema's columns, versioned migrations (<c>audit_schema_migrations</c>), the chained
/// append, reads, queries and segment pruning. A subclass supplies the connection, the migrations' SQL in its dialect,
/// how the appending transaction excludes other writers, and (optionally) a faster bulk insert.
/// </summary>
internal abstract class RelationalAuditStore : IAuditStore
{
    /// <summary>The record columns, in the order of <see cref="Values"/> and <see cref="ReadRecord"/>.</summary>
    internal static readonly string[] Columns =
    [
        "seq", "kind", "time_ms", "correlation_id", "session_id", "user_id", "client_name", "client_version", "server_id",
        "method", "target", "arguments", "arguments_sha256", "decision", "decided_by", "rule", "risk_score", "latency_ms",
        "outcome", "error_code", "error_message", "details", "prev_hash", "hash",
    ];

    private static readonly string SelectColumns = string.Join(", ", Columns);
    private readonly SemaphoreSlim _initialized = new(1, 1);
    private volatile bool _ready;

    public abstract string Description { get; }

    /// <summary>Gets the migrations, version 1 first; each is one script of statements separated by semicolons.</summary>
    protected abstract IReadOnlyList<string> Migrations { get; }

    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_ready)
        {
            return;
        }

        await _initialized.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready)
            {
                return;
            }

            await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using DbTransaction transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS audit_schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_ms BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
            await using (DbCommand current = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM audit_schema_migrations"))
            {
                int version = Convert.ToInt32(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (version > Migrations.Count)
                {
                    throw new InvalidOperationException($"The audit store {Description} has schema version {version}, newer than this mcpf knows ({Migrations.Count}): upgrade mcpf.");
                }

                for (int next = version + 1; next <= Migrations.Count; next++)
                {
                    foreach (string statement in Migrations[next - 1].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        await ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
                    }

                    await using DbCommand applied = Command(connection, transaction, "INSERT INTO audit_schema_migrations (version, applied_ms) VALUES (@v, @t)");
                    AddParameter(applied, "@v", next);
                    AddParameter(applied, "@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                    await applied.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _ready = true;
        }
        finally
        {
            _initialized.Release();
        }
    }

    /// <summary>Gets the schema version now in the store.</summary>
    public async ValueTask<int> SchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, "SELECT COALESCE(MAX(version), 0) FROM audit_schema_migrations");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public virtual async ValueTask<IReadOnlyList<AuditRecord>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return [];
        }

        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        (long sequence, string hash) = await LastAsync(connection, transaction, cancellationToken).ConfigureAwait(false) ?? (0, AuditChain.Genesis);
        var linked = new AuditRecord[records.Count];
        for (int i = 0; i < records.Count; i++)
        {
            linked[i] = AuditChain.Link(records[i], sequence, hash);
            sequence = linked[i].Sequence;
            hash = linked[i].Hash!;
        }

        await InsertAsync(connection, transaction, linked, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return linked;
    }

    public async ValueTask AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, "INSERT INTO audit_checkpoints (seq, hash, time_ms, mac) VALUES (@s, @h, @t, @m) ON CONFLICT (seq) DO NOTHING");
        AddParameter(command, "@s", checkpoint.Sequence);
        AddParameter(command, "@h", checkpoint.Hash);
        AddParameter(command, "@t", checkpoint.Time.ToUnixTimeMilliseconds());
        AddParameter(command, "@m", checkpoint.Mac);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<(long Sequence, string Hash)?> LastRecordAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await LastAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    public IAsyncEnumerable<AuditRecord> ReadAsync(long afterSequence = 0, int? limit = null, CancellationToken cancellationToken = default)
    {
        string sql = $"SELECT {SelectColumns} FROM audit_records WHERE seq > @after ORDER BY seq" + (limit is { } l ? $" LIMIT {l.ToString(CultureInfo.InvariantCulture)}" : "");
        return ReadRecordsAsync(sql, [("@after", afterSequence)], cancellationToken);
    }

    public IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new StringBuilder("1 = 1");
        var parameters = new List<(string, object)>();
        Match(where, parameters, "user_id", query.UserId);
        Match(where, parameters, "target", query.Target);
        Match(where, parameters, "server_id", query.ServerId);
        Match(where, parameters, "decision", query.Decision);
        Match(where, parameters, "correlation_id", query.CorrelationId);
        if (query.Since is { } since)
        {
            where.Append(" AND time_ms >= @since");
            parameters.Add(("@since", since.ToUnixTimeMilliseconds()));
        }

        if (query.Until is { } until)
        {
            where.Append(" AND time_ms < @until");
            parameters.Add(("@until", until.ToUnixTimeMilliseconds()));
        }

        string sql = query.Limit is { } limit
            ? $"SELECT {SelectColumns} FROM (SELECT {SelectColumns} FROM audit_records WHERE {where} ORDER BY seq DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}) newest ORDER BY seq"
            : $"SELECT {SelectColumns} FROM audit_records WHERE {where} ORDER BY seq";
        return ReadRecordsAsync(sql, parameters, cancellationToken);
    }

    public async IAsyncEnumerable<AuditCheckpoint> ReadCheckpointsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, "SELECT seq, hash, time_ms, mac, prune_mac FROM audit_checkpoints ORDER BY seq");
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadCheckpoint(reader);
        }
    }

    public async ValueTask<IReadOnlyList<AuditRecord>> FindUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        string sql = $"""
            SELECT {SelectColumns} FROM audit_records s WHERE s.kind = 'started' AND NOT EXISTS
            (SELECT 1 FROM audit_records f WHERE f.correlation_id = s.correlation_id AND f.kind = 'finished') ORDER BY s.seq
            """;
        var found = new List<AuditRecord>();
        await foreach (AuditRecord record in ReadRecordsAsync(sql, [], cancellationToken).ConfigureAwait(false))
        {
            found.Add(record);
        }

        return found;
    }

    public async ValueTask HeartbeatAsync(AuditInstance seen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seen);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, "INSERT INTO audit_instances (instance, last_seen_ms, host, pid) VALUES (@i, @t, @h, @p) ON CONFLICT (instance) DO UPDATE SET last_seen_ms = excluded.last_seen_ms");
        AddParameter(command, "@i", seen.Instance);
        AddParameter(command, "@t", seen.LastSeen.ToUnixTimeMilliseconds());
        AddParameter(command, "@h", seen.Host);
        AddParameter(command, "@p", seen.ProcessId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyDictionary<string, AuditInstance>> ReadInstancesAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, "SELECT instance, last_seen_ms, host, pid FROM audit_instances");
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var instances = new Dictionary<string, AuditInstance>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string instance = reader.GetString(0);
            instances[instance] = new AuditInstance(
                instance,
                DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)),
                reader.GetString(2),
                Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture));
        }

        return instances;
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, "SELECT COUNT(*) FROM audit_records");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async ValueTask<AuditPruneResult> PruneAsync(DateTimeOffset cutoff, Func<AuditCheckpoint, string> signPrune, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signPrune);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);

        // The newest checkpoint made before the cutoff: every record it covers is older than the cutoff too.
        AuditCheckpoint? anchor = null;
        await using (DbCommand find = Command(connection, transaction, "SELECT seq, hash, time_ms, mac, prune_mac FROM audit_checkpoints WHERE time_ms < @cutoff ORDER BY seq DESC LIMIT 1"))
        {
            AddParameter(find, "@cutoff", cutoff.ToUnixTimeMilliseconds());
            await using DbDataReader reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                anchor = ReadCheckpoint(reader);
            }
        }

        if (anchor is null)
        {
            return new AuditPruneResult(0, null);
        }

        long kept = anchor.Sequence;

        // The signed mark that says the trail starts after this checkpoint because it was pruned here (not deleted).
        await using (DbCommand mark = Command(connection, transaction, "UPDATE audit_checkpoints SET prune_mac = @m WHERE seq = @anchor"))
        {
            AddParameter(mark, "@m", signPrune(anchor));
            AddParameter(mark, "@anchor", kept);
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long deleted;
        await using (DbCommand records = Command(connection, transaction, "DELETE FROM audit_records WHERE seq <= @anchor"))
        {
            AddParameter(records, "@anchor", kept);
            deleted = await records.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (DbCommand checkpoints = Command(connection, transaction, "DELETE FROM audit_checkpoints WHERE seq < @anchor"))
        {
            AddParameter(checkpoints, "@anchor", kept);
            await checkpoints.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new AuditPruneResult(deleted, kept);
    }

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Opens a connection (pooled).</summary>
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a transaction that excludes every other writer of the trail until it ends.</summary>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Inserts linked records; the default runs one prepared INSERT per record in the transaction.</summary>
    protected virtual async ValueTask InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        string sql = $"INSERT INTO audit_records ({SelectColumns}) VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)))})";
        await using DbCommand command = Command(connection, transaction, sql);
        var parameters = new DbParameter[Columns.Length];
        for (int i = 0; i < Columns.Length; i++)
        {
            parameters[i] = command.CreateParameter();
            parameters[i].ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(parameters[i]);
        }

        foreach (AuditRecord record in records)
        {
            object?[] values = Values(record);
            for (int i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The column values of a record, in <see cref="Columns"/> order.</summary>
    protected static object?[] Values(AuditRecord record) =>
    [
        record.Sequence, AuditChain.KindName(record.Kind), record.Time.ToUnixTimeMilliseconds(), record.CorrelationId, record.SessionId,
        record.UserId, record.ClientName, record.ClientVersion, record.ServerId, record.Method, record.Target, record.Arguments,
        record.ArgumentsSha256, record.Decision, record.DecidedBy, record.Rule, record.RiskScore, record.LatencyMs, record.Outcome,
        record.ErrorCode, record.ErrorMessage, record.Details, record.PreviousHash, record.Hash,
    ];

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    protected static void AddParameter(DbCommand command, string name, object? value)
    {
        DbParameter parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    protected static async ValueTask ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using DbCommand command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Match(StringBuilder where, List<(string, object)> parameters, string column, string? value)
    {
        if (value is not null)
        {
            string name = "@" + column;
            where.Append(CultureInfo.InvariantCulture, $" AND {column} = {name}");
            parameters.Add((name, value));
        }
    }

    private static async ValueTask<(long, string)?> LastAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using DbCommand command = Command(connection, transaction, "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1");
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1));
        }

        // After a prune of everything: the chain goes on from the anchor checkpoint.
        await reader.DisposeAsync().ConfigureAwait(false);
        await using DbCommand anchor = Command(connection, transaction, "SELECT seq, hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1");
        await using DbDataReader anchorReader = await anchor.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await anchorReader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (Convert.ToInt64(anchorReader.GetValue(0), CultureInfo.InvariantCulture), anchorReader.GetString(1))
            : null;
    }

    private async IAsyncEnumerable<AuditRecord> ReadRecordsAsync(string sql, IReadOnlyList<(string Name, object Value)> parameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using DbConnection connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand command = Command(connection, null, sql);
        foreach ((string name, object value) in parameters)
        {
            AddParameter(command, name, value);
        }

        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadRecord(reader);
        }
    }

    private static AuditCheckpoint ReadCheckpoint(DbDataReader reader) => new(
        Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
        reader.GetString(1),
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)),
        reader.GetString(3))
    {
        PruneMac = reader.IsDBNull(4) ? null : reader.GetString(4),
    };

    private static AuditRecord ReadRecord(DbDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        double? Real(int i) => reader.IsDBNull(i) ? null : Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
        return new AuditRecord
        {
            Sequence = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
            Kind = AuditChain.ParseKind(reader.GetString(1)),
            Time = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)),
            CorrelationId = Text(3),
            SessionId = Text(4),
            UserId = Text(5),
            ClientName = Text(6),
            ClientVersion = Text(7),
            ServerId = Text(8),
            Method = Text(9),
            Target = Text(10),
            Arguments = Text(11),
            ArgumentsSha256 = Text(12),
            Decision = Text(13),
            DecidedBy = Text(14),
            Rule = Text(15),
            RiskScore = Real(16),
            LatencyMs = Real(17),
            Outcome = Text(18),
            ErrorCode = reader.IsDBNull(19) ? null : Convert.ToInt32(reader.GetValue(19), CultureInfo.InvariantCulture),
            ErrorMessage = Text(20),
            Details = Text(21),
            PreviousHash = Text(22),
            Hash = Text(23),
        };
    }
}
