using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace McpFoundation.Audit;

/// <summary>
/// The appending side of <see cref="SqliteAuditStore"/>: one long-lived connection (its pragmas set once) and four
/// statements prepared once and bound by position through SQLitePCLRaw (the engine under Microsoft.Data.Sqlite):
/// <c>BEGIN IMMEDIATE</c>, a read of the chain's head, the insert and <c>COMMIT</c>. A batch costs one transaction and
/// one step per record, with no connection taken from the pool, no SQL parsed and no parameter looked up by name.
/// The head is read inside the transaction, so two gateways on one data directory still chain one after the other.
/// Used by the trail's one writer (and the CLI); calls are serialized by a lock, and nothing here runs on a request path.
/// </summary>
internal sealed class SqliteTrailWriter : IDisposable
{
    private const string HeadSql = "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1";
    private const string AnchorSql = "SELECT seq, hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1";
    private const int InitialTextBuffer = 4 * 1024;
    private const int RetainedTextBuffer = 256 * 1024;
    private readonly object _gate = new();
    private byte[] _text = new byte[InitialTextBuffer]; // used by the one thread that holds _gate
    private readonly string _connectionString;
    private SqliteConnection? _connection;
    private sqlite3_stmt? _begin;
    private sqlite3_stmt? _head;
    private sqlite3_stmt? _anchor;
    private sqlite3_stmt? _insert;
    private sqlite3_stmt? _commit;
    private sqlite3_stmt? _rollback;
    private bool _disposed;

    public SqliteTrailWriter(string connectionString) => _connectionString = connectionString;

    /// <summary>Links <paramref name="records"/> after the trail's head and commits them in one transaction.</summary>
    /// <returns>The records as stored (sequence, predecessor hash, hash).</returns>
    /// <exception cref="SqliteException">The write failed; nothing of the batch is stored.</exception>
    public AuditRecord[] Append(IReadOnlyList<AuditRecord> records)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Open();
            sqlite3 db = _connection!.Handle!;
            Step(db, _begin!);
            try
            {
                (long sequence, string hash) = ReadHead(db);
                var linked = new AuditRecord[records.Count];
                for (int i = 0; i < records.Count; i++)
                {
                    AuditRecord record = AuditChain.Link(records[i], sequence, hash);
                    Insert(db, record);
                    linked[i] = record;
                    sequence = record.Sequence;
                    hash = record.Hash!;
                }

                Step(db, _commit!);
                return linked;
            }
            catch
            {
                RollBack(db);
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Close();
        }
    }

    private void Open()
    {
        if (_connection is not null)
        {
            return;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using (SqliteCommand pragma = connection.CreateCommand())
            {
                // A WAL of up to 16,384 pages (64 MiB) between checkpoints: each checkpoint syncs, and an append-only
                // trail rewrites the same last pages commit after commit.
                pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16384;";
                pragma.ExecuteNonQuery();
            }

            sqlite3 db = connection.Handle!;

            // Another process (a second gateway, `mcpf audit` pruning) may hold the write lock for a moment.
            Check(db, raw.sqlite3_busy_timeout(db, 30_000));
            _connection = connection;
            _begin = Prepare(db, "BEGIN IMMEDIATE");
            _head = Prepare(db, HeadSql);
            _anchor = Prepare(db, AnchorSql);
            _insert = Prepare(db, $"INSERT INTO audit_records ({string.Join(", ", RelationalAuditStore.Columns)}) VALUES ({string.Join(", ", RelationalAuditStore.Columns.Select((_, i) => "?" + (i + 1).ToString(CultureInfo.InvariantCulture)))})");
            _commit = Prepare(db, "COMMIT");
            _rollback = Prepare(db, "ROLLBACK");
        }
        catch
        {
            Close();
            connection.Dispose();
            throw;
        }
    }

    private void Close()
    {
        foreach (sqlite3_stmt? statement in new[] { _begin, _head, _anchor, _insert, _commit, _rollback })
        {
            statement?.Dispose();
        }

        _begin = _head = _anchor = _insert = _commit = _rollback = null;
        _connection?.Dispose();
        _connection = null;
    }

    private (long Sequence, string Hash) ReadHead(sqlite3 db)
    {
        foreach (sqlite3_stmt statement in new[] { _head!, _anchor! })
        {
            try
            {
                int rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_ROW)
                {
                    return (raw.sqlite3_column_int64(statement, 0), raw.sqlite3_column_text(statement, 1).utf8_to_string());
                }

                Check(db, rc, raw.SQLITE_DONE);
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }

        // After a prune of everything the chain goes on from the anchor checkpoint; an empty trail starts at genesis.
        return (0, AuditChain.Genesis);
    }

    private void Insert(sqlite3 db, AuditRecord record)
    {
        sqlite3_stmt insert = _insert!;
        try
        {
            int i = 1;
            Bind(db, insert, i++, record.Sequence);
            Bind(db, insert, i++, AuditChain.KindName(record.Kind));
            Bind(db, insert, i++, record.Time.ToUnixTimeMilliseconds());
            Bind(db, insert, i++, record.CorrelationId);
            Bind(db, insert, i++, record.SessionId);
            Bind(db, insert, i++, record.UserId);
            Bind(db, insert, i++, record.ClientName);
            Bind(db, insert, i++, record.ClientVersion);
            Bind(db, insert, i++, record.ServerId);
            Bind(db, insert, i++, record.Method);
            Bind(db, insert, i++, record.Target);
            Bind(db, insert, i++, record.Arguments);
            Bind(db, insert, i++, record.ArgumentsSha256);
            Bind(db, insert, i++, record.Decision);
            Bind(db, insert, i++, record.DecidedBy);
            Bind(db, insert, i++, record.Rule);
            Bind(db, insert, i++, record.RiskScore);
            Bind(db, insert, i++, record.LatencyMs);
            Bind(db, insert, i++, record.Outcome);
            Bind(db, insert, i++, record.ErrorCode);
            Bind(db, insert, i++, record.ErrorMessage);
            Bind(db, insert, i++, record.Details);
            Bind(db, insert, i++, record.PreviousHash);
            Bind(db, insert, i, record.Hash);
            Check(db, raw.sqlite3_step(insert), raw.SQLITE_DONE);
        }
        finally
        {
            // Every parameter is bound again for the next record, so the bindings need no clearing.
            raw.sqlite3_reset(insert);
            if (_text.Length > RetainedTextBuffer)
            {
                _text = new byte[InitialTextBuffer]; // a record with huge arguments does not keep its buffer
            }
        }
    }

    private void RollBack(sqlite3 db)
    {
        if (raw.sqlite3_get_autocommit(db) != 0)
        {
            return;
        }

        try
        {
            Step(db, _rollback!);
        }
        catch (SqliteException)
        {
            // The connection is in an unknown state: the next batch opens a fresh one.
            Close();
        }
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement));
        return statement;
    }

    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        try
        {
            Check(db, raw.sqlite3_step(statement), raw.SQLITE_DONE);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    /// <summary>
    /// Binds text from its UTF-8 encoding in one buffer reused for every value (SQLite copies it): the binding of a
    /// string allocates an encoded copy of it, 15 per record.
    /// </summary>
    private void Bind(sqlite3 db, sqlite3_stmt statement, int index, string? value)
    {
        if (value is null)
        {
            Check(db, raw.sqlite3_bind_null(statement, index));
            return;
        }

        int most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (most > _text.Length)
        {
            _text = new byte[Math.Max(most, _text.Length * 2)];
        }

        int length = Encoding.UTF8.GetBytes(value, _text);
        Check(db, raw.sqlite3_bind_text(statement, index, new ReadOnlySpan<byte>(_text, 0, length)));
    }

    private static void Bind(sqlite3 db, sqlite3_stmt statement, int index, long value) =>
        Check(db, raw.sqlite3_bind_int64(statement, index, value));

    private static void Bind(sqlite3 db, sqlite3_stmt statement, int index, int? value) =>
        Check(db, value is { } number ? raw.sqlite3_bind_int64(statement, index, number) : raw.sqlite3_bind_null(statement, index));

    private static void Bind(sqlite3 db, sqlite3_stmt statement, int index, double? value) =>
        Check(db, value is { } number ? raw.sqlite3_bind_double(statement, index, number) : raw.sqlite3_bind_null(statement, index));

    private static void Check(sqlite3 db, int rc, int expected = raw.SQLITE_OK)
    {
        if (rc != expected)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
            throw new SqliteException($"SQLite returned {rc} where {expected} was expected.", rc);
        }
    }
}
