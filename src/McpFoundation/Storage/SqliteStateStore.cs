using Microsoft.Data.Sqlite;

namespace McpFoundation.Storage;

/// <summary>
/// <see cref="IStateStore"/> on an embedded SQLite file, <c>state.db</c> in the data directory (WAL, so that the
/// <c>mcpf</c> commands of another terminal read and write it while gateways run). Each call opens a pooled connection.
/// </summary>
internal sealed class SqliteStateStore : IStateStore
{
    internal const string FileName = "state.db";

    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _schemaLock = new();
    private volatile bool _schemaReady;

    public SqliteStateStore(string dataDirectory, TimeProvider timeProvider)
    {
        DatabasePath = Path.Combine(dataDirectory, FileName);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the full path of the database file.</summary>
    public string DatabasePath { get; }

    public async ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value, version, updated_at FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<StateEntry> SetAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO state (key, value, version, updated_at) VALUES ($key, $value, 1, $now)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = state.version + 1, updated_at = excluded.updated_at
            RETURNING key, value, version, updated_at
            """;
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return Read(reader);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask<IReadOnlyList<StateEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value, version, updated_at FROM state WHERE substr(key, 1, length($prefix)) = $prefix ORDER BY key";
        command.Parameters.AddWithValue("$prefix", prefix);
        var entries = new List<StateEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(Read(reader));
        }

        return entries;
    }

    private static StateEntry Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
        {
            // Once per store, before the first command; never on a request path (see IStateStore).
            lock (_schemaLock)
            {
                if (!_schemaReady)
                {
                    CreateSchema();
                    _schemaReady = true;
                }
            }
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private void CreateSchema()
    {
        DataDirectory.EnsureExists(Path.GetDirectoryName(DatabasePath)!);
        using var setup = new SqliteConnection(_connectionString);
        setup.Open();
        using var command = setup.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL);
            """;
        command.ExecuteNonQuery();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(DatabasePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
