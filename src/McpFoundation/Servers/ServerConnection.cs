using System.Diagnostics;
using System.Globalization;
using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>
/// The one connection to a server: its transport and the SDK's <see cref="McpClient"/> on it. Connects and reconnects
/// (one attempt at a time), notices when the connection closes, and closes it for good on stop; the server's health
/// and catalogue follow it (connected: catalogue listed; closed or failed: catalogue empty). The order keeps a call from
/// hearing "unknown tool" for a configured server's tool: on connect the tools are announced before the server is
/// reported connected (so whoever hears "connected" finds them), on failure the server is reported failed first (so a
/// call in between is told it is unavailable).
/// </summary>
internal sealed partial class ServerConnection : IAsyncDisposable
{
    // How long a failed attempt waits for the process it started to be seen to end, to report why.
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);

    private readonly string _id;
    private readonly ServerDefinition _definition;
    private readonly TimeSpan _connectBound;
    private readonly ProgressRelay _relay;
    private readonly Func<McpClientOptions> _createClientOptions;
    private readonly ServerHealthTracker _health;
    private readonly CatalogueFetcher _catalogue;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly StandardErrorRedactor _redactor;
    private McpClient? _client;
    private DirectRequests? _direct;
    private IClientTransport? _transport;

    /// <param name="id">The server's id.</param>
    /// <param name="definition">How to reach it.</param>
    /// <param name="connectBound">How long one attempt (start, initialize, list the catalogue) may take: the server's <c>connect_timeout</c>.</param>
    /// <param name="relay">Where progress for gateway-issued tokens goes, read in wire order by the transport.</param>
    /// <param name="createClientOptions">The SDK client's options (handlers), made fresh for each attempt.</param>
    /// <param name="health">Told each state the connection goes through.</param>
    /// <param name="catalogue">Listed on connect, cleared on close.</param>
    /// <param name="loggerFactory">For the transport and the SDK client.</param>
    /// <param name="logger">The server's logger.</param>
    /// <param name="timeProvider">Bounds each attempt and paces its progress lines (<see cref="ConnectProgress"/>); the system clock by default.</param>
    public ServerConnection(
        string id,
        ServerDefinition definition,
        TimeSpan connectBound,
        ProgressRelay relay,
        Func<McpClientOptions> createClientOptions,
        ServerHealthTracker health,
        CatalogueFetcher catalogue,
        ILoggerFactory loggerFactory,
        ILogger logger,
        TimeProvider? timeProvider = null)
    {
        _id = id;
        _definition = definition;
        _connectBound = connectBound;
        _relay = relay;
        _createClientOptions = createClientOptions;
        _health = health;
        _catalogue = catalogue;
        _loggerFactory = loggerFactory;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _redactor = new StandardErrorRedactor(definition);
    }

    /// <summary>Gets the SDK client of the current connection, or null if there is none.</summary>
    public McpClient? Client => _client;

    /// <summary>Gets the direct request path of the current connection (see <see cref="DirectRequests"/>), or null.</summary>
    public DirectRequests? Direct => _direct;

    /// <summary>Gets a value indicating whether the connection was closed for good.</summary>
    public bool IsStopped => _lifetime.IsCancellationRequested;

    /// <summary>Gets a token that fires when the connection is closed for good.</summary>
    public CancellationToken Stopping => _lifetime.Token;

    /// <summary>Connects, closing the previous connection first; a failure is a health state, not an exception.</summary>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => ConnectAsync(onlyIfClosed: false, cancellationToken);

    /// <summary>
    /// Connects unless a connection is open once the previous attempt is over: a health check that found no
    /// connection while the server was being added must not replace the one just made.
    /// </summary>
    public Task ReconnectIfClosedAsync(CancellationToken cancellationToken = default) => ConnectAsync(onlyIfClosed: true, cancellationToken);

    private async Task ConnectAsync(bool onlyIfClosed, CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_lifetime.IsCancellationRequested || (onlyIfClosed && _client is { Completion.IsCompleted: false }))
            {
                return;
            }

            if (_client is not null)
            {
                McpClient stale = _client;
                _client = null;
                await DisposeClientQuietlyAsync(stale);
            }

            _health.Report(ServerState.Connecting);
            long started = Stopwatch.GetTimestamp();
            using var deadline = new CancellationTokenSource(_connectBound, _timeProvider);
            using ConnectProgress progress = ConnectProgress.Start(_id, _connectBound, _logger, _timeProvider);
            IClientTransport? inner = null;
            try
            {
                inner = ServerTransportFactory.Create(_definition, _loggerFactory, LogStandardErrorLine);
                _transport = inner;
                var transport = new RelayingClientTransport(inner, _relay);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token, deadline.Token);
                McpClient client = await McpClient.CreateAsync(transport, _createClientOptions(), _loggerFactory, timeout.Token);
                _direct = transport.Direct;
                _client = client;
                await _catalogue.FetchAsync(client, CatalogueParts.All, timeout.Token);
                progress.Dispose();
                _ = WatchCompletionAsync(client);
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                Implementation? serverInfo = client.ServerInfo;
                LogConnected(_logger, _id, serverInfo?.Name ?? "?", serverInfo?.Version ?? "?", client.NegotiatedProtocolVersion, _catalogue.Current.Tools.Count, elapsed.TotalMilliseconds);
                _catalogue.Announce(CatalogueParts.All);
                _health.Report(ServerState.Connected, null, elapsed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                progress.Dispose();
                string message;
                if ((deadline.IsCancellationRequested || ex is TimeoutException) && !_lifetime.IsCancellationRequested)
                {
                    // The SDK's own initialization timeout is the same bound (TimeoutException); either way it is ours to explain.
                    message = DescribeConnectTimeout();
                    LogConnectTimedOut(_logger, _id, message);
                }
                else
                {
                    message = DescribeConnectFailure(ex, inner is ChildProcessTransport { Session: null }, await ExitOfAsync(inner));
                    LogConnectFailed(_logger, _id, message);
                }

                LogConnectFailedDetail(_logger, _id, ex);
                if (_client is { } partial)
                {
                    _client = null;
                    await DisposeClientQuietlyAsync(partial);
                }

                _catalogue.Clear();
                _health.Report(ServerState.Failed, message);
                _catalogue.Announce(CatalogueParts.All);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public ValueTask DisposeAsync() => StopAsync();

    /// <summary>
    /// Kills the server's process with its whole process group or tree at once (SIGKILL; the emergency stop's
    /// <c>kill_servers</c>); false when the server is not a running stdio process. The connection then sees the
    /// process gone, like any exit.
    /// </summary>
    public bool KillProcessTree() =>
        Volatile.Read(ref _transport) is ChildProcessTransport { Session: { } session } && session.KillProcessTree();

    /// <summary>Closes the connection for good: no reconnect after this.</summary>
    public async ValueTask StopAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        await _lifetime.CancelAsync();
        await _connectLock.WaitAsync();
        try
        {
            if (_client is { } client)
            {
                _client = null;
                await DisposeClientQuietlyAsync(client);
            }

            _catalogue.Clear();
            _health.Report(ServerState.Stopped);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task WatchCompletionAsync(McpClient client)
    {
        ClientCompletionDetails details;
        try
        {
            details = await client.Completion;
        }
        catch (Exception ex)
        {
            details = new ClientCompletionDetails { Exception = ex };
        }

        if (_lifetime.IsCancellationRequested || !ReferenceEquals(_client, client))
        {
            return;
        }

        string reason = DescribeClosed(details);
        LogDisconnected(_logger, _id, reason);
        _catalogue.Clear();
        _health.Report(ServerState.Failed, reason);
        _catalogue.Announce(CatalogueParts.All);
    }

    /// <summary>Why the connection closed, safe to show: the exit code and redacted stderr of a process, or the transport's reason.</summary>
    public string DescribeClosed(ClientCompletionDetails details) => details switch
    {
        StdioClientCompletionDetails stdio => ProcessExitDescription.Describe(stdio, _redactor),
        _ when details.Exception is { } ex => "the connection closed: " + ex.Message,
        _ => "the connection closed",
    };

    private string DescribeConnectFailure(Exception ex, bool notStarted, StdioClientCompletionDetails? exit) => _definition.Transport switch
    {
        // Arguments and URL queries may carry tokens: only the safe display form goes into logs, health and errors.
        ServerTransport.Stdio => $"Could not start '{_definition.DisplayTarget}': "
            + ((notStarted ? ProcessExitDescription.DescribeStartFailure(ex, _id, _definition.Command.Count > 0 ? _definition.Command[0] : string.Empty, _definition.Cwd) : null)
               ?? (exit is not null ? ProcessExitDescription.Describe(exit, _redactor, " before it answered initialize") : ex.Message)),
        _ => $"Could not connect to {_definition.DisplayTarget}: {ex.Message}",
    };

    private string DescribeConnectTimeout()
    {
        string seconds = _connectBound.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        string what = _definition.Transport == ServerTransport.Stdio
            ? $"'{_definition.DisplayTarget}' started but did not finish initializing within {seconds} s"
            : $"{_definition.DisplayTarget} did not finish initializing within {seconds} s";
        return $"{what} (connect_timeout). If it needs longer (an npx first run downloads its package), raise servers.{_id}.connect_timeout, "
            + $"or settings.connect_timeout / MCP_CONNECT_TIMEOUT for every server (seconds); if it never answers, check that it speaks MCP on {(_definition.Transport == ServerTransport.Stdio ? "stdin/stdout" : "that URL")}.";
    }

    /// <summary>
    /// If the attempt started a process that then ended on its own, how it ended: a server that exits at start makes
    /// the SDK report only "the transport was closed" or a broken pipe, while the reason is its exit code and stderr.
    /// </summary>
    private static async Task<StdioClientCompletionDetails?> ExitOfAsync(IClientTransport? transport)
    {
        if (transport is not ChildProcessTransport { Session: { } session })
        {
            return null;
        }

        try
        {
            return await session.Exited.WaitAsync(ExitGrace);
        }
        catch (TimeoutException)
        {
            return null; // still running: the failure is something else (a timeout, a protocol error)
        }
    }

    private void LogStandardErrorLine(string line)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            string redacted = _redactor.Redact(line);
            LogStandardError(_logger, _id, redacted);
        }
    }

    private async Task DisposeClientQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync();
        }
        catch (Exception ex)
        {
            LogDisposeFailed(_logger, _id, ex);
        }
    }

    [LoggerMessage(EventId = 1200, EventName = "ServerConnected", Level = LogLevel.Information,
        Message = "Server {ServerId} connected: {ServerName} {ServerVersion}, protocol {ProtocolVersion}, {ToolCount} tools, in {ElapsedMs:0} ms")]
    private static partial void LogConnected(ILogger logger, string serverId, string serverName, string serverVersion, string? protocolVersion, int toolCount, double elapsedMs);

    [LoggerMessage(EventId = 1201, EventName = "ServerConnectFailed", Level = LogLevel.Error, Message = "Server {ServerId} failed to connect: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string serverId, string reason);

    // An expected failure is one line at Error; the exception and its stack only at debug level.
    [LoggerMessage(EventId = 1209, EventName = "ServerConnectFailedDetail", Level = LogLevel.Debug, Message = "Server {ServerId} failed to connect; the exception")]
    private static partial void LogConnectFailedDetail(ILogger logger, string serverId, Exception exception);

    [LoggerMessage(EventId = 1208, EventName = "ServerConnectTimedOut", Level = LogLevel.Error, Message = "Server {ServerId} failed to connect: {Reason}")]
    private static partial void LogConnectTimedOut(ILogger logger, string serverId, string reason);

    [LoggerMessage(EventId = 1202, EventName = "ServerDisconnected", Level = LogLevel.Warning, Message = "Server {ServerId} disconnected: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string serverId, string reason);

    [LoggerMessage(EventId = 1205, EventName = "ServerStandardError", Level = LogLevel.Debug, Message = "Server {ServerId} stderr: {Line}")]
    private static partial void LogStandardError(ILogger logger, string serverId, string line);

    [LoggerMessage(EventId = 1206, EventName = "ServerDisposeFailed", Level = LogLevel.Debug, Message = "Server {ServerId} did not close cleanly")]
    private static partial void LogDisposeFailed(ILogger logger, string serverId, Exception exception);
}
