using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace McpFoundation.IntegrationTests.Audit;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: <c>initdb</c> as the <c>postgres</c> user into a fresh directory,
/// <c>pg_ctl start</c> on a free loopback port with <c>fsync=off</c>, stopped and deleted afterwards. With
/// <c>MCPF_TEST_PG</c> set (a connection string), that server is used instead. Without either, the tests that need it
/// fail with a message that says what to install (they never pass silently).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string Variable = "MCPF_TEST_PG";
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private string? _directory;
    private string? _problem;

    /// <summary>Gets the connection string of the server (a fresh database per call of <see cref="CreateDatabaseAsync"/>).</summary>
    public string? ConnectionString { get; private set; }

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            ConnectionString = given;
            return;
        }

        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            _problem = $"PostgreSQL is not installed ({BinDirectory}/initdb not found): install the Debian package 'postgresql' (as .ci/run does), or set {Variable} to a connection string of a server to test against.";
            return;
        }

        _directory = Path.Combine("/tmp", "mcpf-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_directory);
        await RunAsync("chown", "postgres:postgres", _directory);
        string data = Path.Combine(_directory, "data");
        int port = FreePort();
        await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(BinDirectory, "initdb"), "-D", data, "--auth=trust", "-U", "postgres", "--no-sync");
        await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(BinDirectory, "pg_ctl"), "-D", data, "-l", Path.Combine(_directory, "log"), "-w", "start",
            "-o", $"-p {port} -k {_directory} -c fsync=off -c listen_addresses=127.0.0.1");
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
    }

    /// <summary>Creates a database of its own for one test; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        Assert.True(ConnectionString is not null, _problem ?? "PostgreSQL did not start.");
        string name = "mcpf_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_directory is null)
        {
            return;
        }

        try
        {
            await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(BinDirectory, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error} {await output}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
