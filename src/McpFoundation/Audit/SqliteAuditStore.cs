using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace McpFoundation.Audit;

/// <summary>
/// The trail in an embedded SQLite file, <c>audit.db</c> in the data directory: WAL (readers in other processes while
/// the gateway writes) and <c>synchronous = NORMAL</c>: a committed batch is in the WAL file (the operating system's
/// page cache) before the call it holds is forwarded, so it survives a crash or SIGKILL of the gateway; a power loss
/// or kernel crash can lose the last commits (WAL is synced at checkpoints). FULL synced every commit and cost about
/// 0.6 ms per call at one client on this machine (docs/PERFORMANCE.md).
/// </summary>
internal sealed class SqliteAuditStore : RelationalAuditStore
{
    internal const string FileName = "audit.db";

    private static readonly string[] Schema =
    [
        """
        CREATE TABLE audit_records (
            seq INTEGER PRIMARY KEY NOT NULL, kind TEXT NOT NULL, time_ms INTEGER NOT NULL, correlation_id TEXT, session_id TEXT,
            user_id TEXT, client_name TEXT, client_version TEXT, server_id TEXT, method TEXT, target TEXT, arguments TEXT,
            arguments_sha256 TEXT, decision TEXT, decided_by TEXT, rule TEXT, risk_score REAL, latency_ms REAL, outcome TEXT,
            error_code INTEGER, error_message TEXT, details TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE INDEX audit_records_correlation ON audit_records (correlation_id);
        CREATE INDEX audit_records_time ON audit_records (time_ms);
        CREATE TABLE audit_checkpoints (seq INTEGER PRIMARY KEY NOT NULL, hash TEXT NOT NULL, time_ms INTEGER NOT NULL, mac TEXT NOT NULL)
        """,
        """
        ALTER TABLE audit_checkpoints ADD COLUMN prune_mac TEXT
        """,
        """
        CREATE TABLE audit_instances (instance TEXT PRIMARY KEY NOT NULL, last_seen_ms BIGINT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL)
        """,
    ];

    private readonly string _connectionString;
    private readonly bool _readOnly;
    private readonly SqliteTrailWriter _writer;
    private int _fileReady;

    public SqliteAuditStore(string dataDirectory, bool readOnly = false)
    {
        DatabasePath = Path.Combine(dataDirectory, FileName);
        _readOnly = readOnly;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new SqliteTrailWriter(_connectionString);
    }

    public string DatabasePath { get; }

    /// <summary>
    /// Appends through the store's one long-lived writer connection (<see cref="SqliteTrailWriter"/>). Synchronous
    /// inside, as Microsoft.Data.Sqlite is: only the trail's background writer and the CLI append, never a request path.
    /// </summary>
    public override async ValueTask<IReadOnlyList<AuditRecord>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return [];
        }

        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return _writer.Append(records);
    }

    public override ValueTask DisposeAsync()
    {
        _writer.Dispose();
        return base.DisposeAsync();
    }

    public override string Description => $"SQLite {DatabasePath}";

    protected override IReadOnlyList<string> Migrations => Schema;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _fileReady, 1) == 0)
        {
            if (_readOnly && !File.Exists(DatabasePath))
            {
                _fileReady = 0;
                throw new FileNotFoundException($"There is no audit trail at {DatabasePath}: the gateway has not written one there. Point --data-dir or --config at the gateway's data directory.", DatabasePath);
            }

            Storage.DataDirectory.EnsureExists(Path.GetDirectoryName(DatabasePath)!);
            if (!File.Exists(DatabasePath) && !OperatingSystem.IsWindows())
            {
                // Owner-only from the start: the trail names users and tools.
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
                try
                {
                    new FileStream(DatabasePath, options).Dispose();
                }
                catch (IOException) when (File.Exists(DatabasePath))
                {
                    // Another process made it first.
                }
            }
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbCommand pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        // BEGIN IMMEDIATE (not deferred): the write lock is taken at once. Microsoft.Data.Sqlite is synchronous inside;
        // only the trail's background writer and the CLI call this, never a request path.
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
