using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>Lets the gateway take messages off a transport as they are read, before they are queued for the SDK.</summary>
internal interface IMessageInterceptor
{
    /// <summary>Returns true if the gateway consumed the message (routed progress, a direct request's answer).</summary>
    bool TryIntercept(JsonRpcMessage message);

    /// <summary>
    /// Returns true if the gateway consumed the line before it was parsed into a message (a direct request's answer,
    /// read straight into its result), with the id of the request it answered.
    /// </summary>
    bool TryInterceptLine(ReadOnlySpan<byte> line, out RequestId answered);
}

/// <summary>A transport whose reader can hand messages to an <see cref="IMessageInterceptor"/> on the reading thread.</summary>
internal interface IInterceptableTransport : ITransport
{
    IMessageInterceptor? Interceptor { get; set; }

    /// <summary>
    /// Gets a task that ends when the reader has stopped, with the reason it stopped (what the channel is completed
    /// with), whether or not every message has been taken off the channel: the channel's <c>Completion</c> waits for
    /// that, and so depends on the SDK's message loop draining it.
    /// </summary>
    Task<ClientTransportClosedException> Closed { get; }

    /// <summary>
    /// Sends a request whose params are written straight from their typed value, without the JSON tree a
    /// <see cref="JsonRpcRequest"/> carries them in (built from the value, then written: two conversions per call).
    /// The server receives the same JSON as from <see cref="ITransport.SendMessageAsync"/>.
    /// </summary>
    Task SendRequestAsync<TParams>(RequestId id, string method, TParams parameters, JsonTypeInfo<TParams> paramsType, CancellationToken cancellationToken = default);
}

/// <summary>
/// Starts a stdio MCP server as a child process and exchanges newline-delimited JSON-RPC with it. The gateway owns the
/// process (rather than the SDK's <see cref="StdioClientTransport"/>) so that the line reader hands progress and
/// direct answers to the waiting call on the thread that read them, with no queue in between, and so that the
/// isolation launcher has one place to wrap the command.
/// </summary>
/// <param name="definition">The server to start.</param>
/// <param name="logger">The transport's logger.</param>
/// <param name="standardErrorLine">Called with each line the server writes to stderr.</param>
/// <param name="maxMessageBytes">The longest message (one stdout line) the server may send; a longer one stops the server.</param>
internal sealed class ChildProcessTransport(
    ServerDefinition definition,
    ILogger logger,
    Action<string>? standardErrorLine,
    int maxMessageBytes = Utf8LineReader.DefaultMaxLineBytes) : IClientTransport
{
    public string Name => definition.Name;

    /// <summary>Gets the process started by the last <see cref="ConnectAsync"/>, to ask why it ended; null before.</summary>
    public ChildProcessSession? Session { get; private set; }

    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        StdioClientTransportOptions options = ServerTransportFactory.CreateStdioOptions(definition, standardErrorLine);
        var start = new ProcessStartInfo(options.Command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = options.WorkingDirectory ?? Environment.CurrentDirectory,
            StandardInputEncoding = ChildProcessSession.Utf8,
            StandardOutputEncoding = ChildProcessSession.Utf8,
            StandardErrorEncoding = ChildProcessSession.Utf8,
        };
        foreach (string argument in options.Arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        if (!options.InheritEnvironmentVariables)
        {
            start.Environment.Clear();
        }
        else if (InlineSocketCompletions.SetByGateway)
        {
            // A tuning of the gateway's own process, not part of the environment a user asked children to inherit.
            start.Environment.Remove(InlineSocketCompletions.VariableName);
        }

        foreach ((string name, string? value) in options.EnvironmentVariables ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        // Its own process group, so that stopping the server stops everything it started (ProcessGroups).
        bool ownGroup = ProcessGroups.TryLaunchInOwnGroup(start);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var session = new ChildProcessSession(definition.Name, process, logger, options.ShutdownTimeout, standardErrorLine, maxMessageBytes, ownGroup);
        try
        {
            session.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        Session = session;

        return Task.FromResult<ITransport>(session);
    }
}

/// <summary>One running child process and its message streams.</summary>
internal sealed partial class ChildProcessSession : IInterceptableTransport
{
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private const int StandardErrorTailLines = 10;
    // The smallest pipe Linux hands out (one page, when a user has used up pipe-user-pages-soft). While the bytes the
    // child has not read yet, plus the new message, stay within it, a blocking write cannot block.
    private const int SynchronousWriteBudget = 4 * 1024;
    private const int RequestEndsPruneThreshold = 1024;
    private const int InitialWriteBuffer = 4 * 1024;
    private const int RetainedWriteBuffer = 1024 * 1024;

    // After the process exits, how long its last stderr lines may take to arrive (a grandchild may hold the pipe open).
    private static readonly TimeSpan StandardErrorDrain = TimeSpan.FromSeconds(1);
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly JsonTypeInfo<RequestId> RequestIdType = (JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId));

    private readonly string _name;
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Action<string>? _standardErrorLine;
    private readonly int _maxMessageBytes;
    private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource<ClientTransportClosedException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private ArrayBufferWriter<byte> _outgoing = new(InitialWriteBuffer); // guarded by _writeLock
    private Utf8JsonWriter? _json; // writes into _outgoing; guarded by _writeLock
    private readonly ConcurrentDictionary<RequestId, long> _requestEnds = new();
    private long _written; // bytes written to the child's stdin; guarded by _writeLock
    private long _readThrough; // the child has read at least this many bytes: it answered the request that ends there
    private readonly Queue<string> _standardErrorTail = new(StandardErrorTailLines);
    private readonly TaskCompletionSource _readingDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ownGroup; // set from the launch, cleared when the group was not made
    private int _groupId; // the process group of the server when _ownGroup: its pid
    private readonly TaskCompletionSource _standardErrorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<StdioClientCompletionDetails?> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    // Whether the process had already ended on its own when the session was disposed (the SDK disposes it when the
    // initialize fails): then its exit is the reason, not a stop by the gateway.
    private volatile bool _endedBeforeDispose;

    public ChildProcessSession(string name, Process process, ILogger logger, TimeSpan shutdownTimeout, Action<string>? standardErrorLine, int maxMessageBytes = Utf8LineReader.DefaultMaxLineBytes, bool ownGroup = false)
    {
        _ownGroup = ownGroup;
        _maxMessageBytes = maxMessageBytes;
        _name = name;
        _process = process;
        _logger = logger;
        _shutdownTimeout = shutdownTimeout;
        _standardErrorLine = standardErrorLine;
    }

    public string? SessionId => null;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    public Task<ClientTransportClosedException> Closed => _closed.Task;

    public IMessageInterceptor? Interceptor { get; set; }

    /// <summary>
    /// Completes when the process's output ended: with its exit code and stderr tail if it ended on its own, or with
    /// null if the gateway stopped it (closed the session, or stopped it for a too-long message).
    /// </summary>
    public Task<StdioClientCompletionDetails?> Exited => _exited.Task;

    public void Start()
    {
        _process.ErrorDataReceived += OnStandardError;
        _process.Start();
        _ownGroup = _ownGroup && ProcessGroups.LeadsOwnGroup(_process.Id);
        if (_ownGroup)
        {
            _groupId = _process.Id;
            ProcessGroups.Track(_groupId);
        }

        _process.BeginErrorReadLine();
        LogStarted(_logger, _name, _process.Id);

        // A dedicated thread blocks on the pipe: when a line arrives it is parsed and handed to the waiting call on
        // this thread, without a thread-pool work item per read (measured: docs/PERFORMANCE.md).
        var reader = new Thread(ReadLoop) { IsBackground = true, Name = "mcpf stdio " + _name };
        reader.Start();
    }

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        WriteLineAsync(
            message,
            static (json, message) => JsonSerializer.Serialize(json, message, MessageType),
            message is JsonRpcRequest request ? request.Id : null,
            cancellationToken);

    public Task SendRequestAsync<TParams>(RequestId id, string method, TParams parameters, JsonTypeInfo<TParams> paramsType, CancellationToken cancellationToken = default) =>
        WriteLineAsync(
            (Id: id, Method: method, Parameters: parameters, ParamsType: paramsType),
            static (json, request) =>
            {
                json.WriteStartObject();
                json.WriteString("jsonrpc"u8, "2.0"u8);
                json.WritePropertyName("id"u8);
                JsonSerializer.Serialize(json, request.Id, RequestIdType);
                json.WriteString("method"u8, request.Method);
                json.WritePropertyName("params"u8);
                JsonSerializer.Serialize(json, request.Parameters, request.ParamsType);
                json.WriteEndObject();
            },
            id,
            cancellationToken);

    /// <summary>
    /// Writes one message and its newline to the child's stdin. <paramref name="requestId"/> is the id of a request (the
    /// child's answer to it tells how far it has read), or null for anything else.
    /// </summary>
    private async Task WriteLineAsync<TMessage>(TMessage message, Action<Utf8JsonWriter, TMessage> write, RequestId? requestId, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            // The message and its newline go out in one write: a child woken by the first half of a split write would
            // have to wait for the newline (a second wake-up per message).
            _outgoing.ResetWrittenCount();
            Utf8JsonWriter json = _json ??= new Utf8JsonWriter(_outgoing);
            json.Reset(_outgoing);
            write(json, message);
            json.Flush();

            _outgoing.GetSpan(1)[0] = (byte)'\n';
            _outgoing.Advance(1);
            long end = _written + _outgoing.WrittenCount;
            if (requestId is { } id)
            {
                // Recorded before the write: the answer can be read before the write call returns.
                _requestEnds[id] = end;
            }

            Stream input = _process.StandardInput.BaseStream;
            if (end - Volatile.Read(ref _readThrough) <= SynchronousWriteBudget)
            {
                // The write fits the pipe and returns at once, so it is made on the caller's thread: the asynchronous
                // path costs a thread-pool hand-off per message on the call's critical path. The caller may be a
                // socket thread (inline I/O), which must never block: hence the budget. A child that stops reading
                // soon exhausts it, and its writes then block a pool thread instead.
                input.Write(_outgoing.WrittenSpan);
            }
            else
            {
                await input.WriteAsync(_outgoing.WrittenMemory, cancellationToken);
            }

            _written = end;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw new IOException($"Server '{_name}' is not reading its input (the process may have exited).", ex);
        }
        finally
        {
            if (_outgoing.Capacity > RetainedWriteBuffer)
            {
                _outgoing = new ArrayBufferWriter<byte>(InitialWriteBuffer);
            }

            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Written before _disposed, so that the reader that sees the session disposed also sees why.
        bool ended;
        try
        {
            ended = _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            ended = false; // never started
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            _endedBeforeDispose = ended;
        }

        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        bool exited;
        try
        {
            // Closing stdin asks a stdio server to exit; it gets the shutdown timeout before it is stopped by signals.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(_shutdownTimeout);
            await _process.WaitForExitAsync(timeout.Token);
            exited = true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            exited = false;
        }

        if (_ownGroup)
        {
            await StopGroupAsync();
        }
        else if (!exited)
        {
            Kill();
        }

        await _readingDone.Task.WaitAsync(_shutdownTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _writeLock.Dispose();
        _process.Dispose();
    }

    private void ReadLoop()
    {
        try
        {
            var output = new Utf8LineReader(_process.StandardOutput.BaseStream, _maxMessageBytes);
            while (output.TryReadLine(out ReadOnlyMemory<byte> line))
            {
                if (line.IsEmpty)
                {
                    continue;
                }

                if (Interceptor is { } interceptor && interceptor.TryInterceptLine(line.Span, out RequestId answered))
                {
                    NoteAnswered(answered);
                    continue;
                }

                JsonRpcMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize(line.Span, MessageType);
                }
                catch (JsonException ex)
                {
                    LogNotJsonRpc(_logger, _name, ex.Message);
                    continue;
                }

                if (message is JsonRpcMessageWithId { Id: var id } and (JsonRpcResponse or JsonRpcError))
                {
                    NoteAnswered(id);
                }

                if (message is null || Interceptor?.TryIntercept(message) == true)
                {
                    continue;
                }

                _incoming.Writer.TryWrite(message);
            }

            bool stoppedByGateway = Volatile.Read(ref _disposed) != 0 && !_endedBeforeDispose;
            if (_process.WaitForExit(_shutdownTimeout))
            {
                // The timed wait does not wait for the stderr reader: the last lines (often the reason) may be in flight.
                _standardErrorClosed.Task.Wait(StandardErrorDrain);
            }

            StdioClientCompletionDetails details = CompletionDetails(null);

            // A stop by the gateway ends the process with 0 (stdin closed) or a signal; any other code is the server's own
            // failure, whoever disposed the session first (the SDK does when the initialize fails).
            bool failedOnItsOwn = details.ExitCode is int code && code != 0 && !(code > 128 && code < 128 + 65);
            _exited.TrySetResult(stoppedByGateway && !failedOnItsOwn ? null : details);
            Close(new ClientTransportClosedException(details));
        }
        catch (LineTooLongException ex)
        {
            // A hostile or broken server: its output cannot be framed any more, and buffering it would let it grow the
            // gateway's memory without bound. The server is stopped; the reason becomes its health and the error of
            // the calls that were waiting on it.
            string reason = $"Server '{_name}' sent a message longer than {LineTooLongException.DescribeSize(ex.Limit)} (the limit); the gateway closed its connection and stopped the process.";
            LogMessageTooLong(_logger, _name, ex.Limit);
            Kill();
            Close(new ClientTransportClosedException(new ClientCompletionDetails { Exception = new ServerMisbehavedException(reason, ex) }));
        }
        catch (Exception ex)
        {
            Close(new ClientTransportClosedException(CompletionDetails(ex)));
        }
        finally
        {
            _exited.TrySetResult(null);
            _readingDone.TrySetResult();
        }
    }

    /// <summary>Ends the incoming messages with <paramref name="reason"/>, and says so at once to whoever waits on <see cref="Closed"/>.</summary>
    private void Close(ClientTransportClosedException reason)
    {
        _incoming.Writer.TryComplete(reason);
        _closed.TrySetResult(reason);
    }

    /// <summary>The child answered a request, so it has read every byte up to that request's end.</summary>
    private void NoteAnswered(RequestId id)
    {
        if (!_requestEnds.TryRemove(id, out long end) || end <= _readThrough)
        {
            return;
        }

        Volatile.Write(ref _readThrough, end); // this thread is the only writer
        if (_requestEnds.Count > RequestEndsPruneThreshold)
        {
            // Requests that will never be answered (cancelled ones need not be) and that the child has read.
            foreach ((RequestId stale, long staleEnd) in _requestEnds)
            {
                if (staleEnd <= end)
                {
                    _requestEnds.TryRemove(stale, out _);
                }
            }
        }
    }

    private StdioClientCompletionDetails CompletionDetails(Exception? exception)
    {
        int? exitCode = _process.HasExited ? _process.ExitCode : null;
        lock (_standardErrorTail)
        {
            return new StdioClientCompletionDetails
            {
                ProcessId = _process.Id,
                ExitCode = exitCode,
                StandardErrorTail = [.. _standardErrorTail],
                Exception = exception,
            };
        }
    }

    private void OnStandardError(object sender, DataReceivedEventArgs args)
    {
        if (args.Data is not { } line)
        {
            _standardErrorClosed.TrySetResult();
            return;
        }

        lock (_standardErrorTail)
        {
            if (_standardErrorTail.Count == StandardErrorTailLines)
            {
                _standardErrorTail.Dequeue();
            }

            _standardErrorTail.Enqueue(line);
        }

        try
        {
            _standardErrorLine?.Invoke(line);
        }
        catch (Exception ex)
        {
            LogStandardErrorCallbackFailed(_logger, _name, ex);
        }
    }

    /// <summary>
    /// Stops what is left of the server's process group, whether or not the server itself exited (its children may
    /// not have): SIGTERM to the group, then SIGKILL when some of it is still there after the shutdown timeout.
    /// </summary>
    private async Task StopGroupAsync()
    {
        if (!ProcessGroups.Signal(_groupId, ProcessGroups.SigTerm))
        {
            ProcessGroups.Forget(_groupId);
            return;
        }

        // The group's other members are not our children, so there is no exit to wait on: look every 50 ms.
        long deadline = Environment.TickCount64 + (long)_shutdownTimeout.TotalMilliseconds;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (ProcessGroups.IsAlive(_groupId) && Environment.TickCount64 < deadline)
        {
            await poll.WaitForNextTickAsync();
        }

        if (ProcessGroups.IsAlive(_groupId))
        {
            LogGroupKilled(_logger, _name, _groupId);
            ProcessGroups.Signal(_groupId, ProcessGroups.SigKill);
        }

        ProcessGroups.Forget(_groupId);
    }

    /// <summary>Kills the server with everything it started (SIGKILL to its group, else its process tree); false when it had already exited.</summary>
    internal bool KillProcessTree()
    {
        bool running;
        try
        {
            running = !_process.HasExited;
        }
        catch (InvalidOperationException)
        {
            running = false;
        }

        if (running || (_ownGroup && ProcessGroups.IsAlive(_groupId)))
        {
            Kill();
            return true;
        }

        return false;
    }

    private void Kill()
    {
        if (_ownGroup)
        {
            ProcessGroups.Signal(_groupId, ProcessGroups.SigKill);
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    [LoggerMessage(EventId = 1220, EventName = "ChildProcessStarted", Level = LogLevel.Debug, Message = "Server {ServerId} started as process {ProcessId}")]
    private static partial void LogStarted(ILogger logger, string serverId, int processId);

    [LoggerMessage(EventId = 1221, EventName = "ChildProcessNotJsonRpc", Level = LogLevel.Warning, Message = "Server {ServerId} wrote a line to stdout that is not JSON-RPC (ignored): {Problem}")]
    private static partial void LogNotJsonRpc(ILogger logger, string serverId, string problem);

    [LoggerMessage(EventId = 1222, EventName = "StandardErrorCallbackFailed", Level = LogLevel.Debug, Message = "Server {ServerId}: the stderr callback failed")]
    private static partial void LogStandardErrorCallbackFailed(ILogger logger, string serverId, Exception exception);

    [LoggerMessage(EventId = 1224, EventName = "ChildProcessGroupKilled", Level = LogLevel.Warning, Message = "Server {ServerId}: processes of its group {ProcessGroupId} were still running after SIGTERM and the shutdown timeout; the gateway killed them")]
    private static partial void LogGroupKilled(ILogger logger, string serverId, int processGroupId);

    [LoggerMessage(EventId = 1223, EventName = "ChildProcessMessageTooLong", Level = LogLevel.Error, Message = "Server {ServerId} sent a message longer than the limit of {LimitBytes} bytes; the gateway stopped it")]
    private static partial void LogMessageTooLong(ILogger logger, string serverId, int limitBytes);
}
