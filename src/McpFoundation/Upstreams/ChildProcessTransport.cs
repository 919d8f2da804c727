using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Upstreams;

/// <summary>Lets the gateway take messages off a transport as they are read, before they are queued for the SDK.</summary>
internal interface IMessageInterceptor
{
    /// <summary>Returns true if the gateway consumed the message (routed progress, a direct request's answer).</summary>
    bool TryIntercept(JsonRpcMessage message);
}

/// <summary>A transport whose reader can hand messages to an <see cref="IMessageInterceptor"/> on the reading thread.</summary>
internal interface IInterceptableTransport : ITransport
{
    IMessageInterceptor? Interceptor { get; set; }
}

/// <summary>
/// Starts a stdio MCP server as a child process and exchanges newline-delimited JSON-RPC with it. The gateway owns the
/// process (rather than the SDK's <see cref="StdioClientTransport"/>) so that the line reader hands progress and
/// direct answers to the waiting call on the thread that read them, with no queue in between, and so that the
/// isolation launcher has one place to wrap the command.
/// </summary>
internal sealed class ChildProcessTransport(ServerDefinition definition, ILogger logger, Action<string>? standardErrorLine) : IClientTransport
{
    public string Name => definition.Name;

    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        StdioClientTransportOptions options = UpstreamTransportFactory.CreateStdioOptions(definition, standardErrorLine);
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

        foreach ((string name, string? value) in options.EnvironmentVariables ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var session = new ChildProcessSession(definition.Name, process, logger, options.ShutdownTimeout, standardErrorLine);
        try
        {
            session.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return Task.FromResult<ITransport>(session);
    }
}

/// <summary>One running child process and its message streams.</summary>
internal sealed partial class ChildProcessSession : IInterceptableTransport
{
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private const int StandardErrorTailLines = 10;
    private const int SynchronousWriteLimit = 16 * 1024;
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    private readonly string _name;
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Action<string>? _standardErrorLine;
    private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<string> _standardErrorTail = new(StandardErrorTailLines);
    private readonly TaskCompletionSource _readingDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    public ChildProcessSession(string name, Process process, ILogger logger, TimeSpan shutdownTimeout, Action<string>? standardErrorLine)
    {
        _name = name;
        _process = process;
        _logger = logger;
        _shutdownTimeout = shutdownTimeout;
        _standardErrorLine = standardErrorLine;
    }

    public string? SessionId => null;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    public IMessageInterceptor? Interceptor { get; set; }

    public void Start()
    {
        _process.ErrorDataReceived += OnStandardError;
        _process.Start();
        _process.BeginErrorReadLine();
        LogStarted(_logger, _name, _process.Id);

        // A dedicated thread blocks on the pipe: when a line arrives it is parsed and handed to the waiting call on
        // this thread, without a thread-pool work item per read (measured: docs/PERFORMANCE.md).
        var reader = new Thread(ReadLoop) { IsBackground = true, Name = "mcpf stdio " + _name };
        reader.Start();
    }

    public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        byte[] line = JsonSerializer.SerializeToUtf8Bytes(message, MessageType);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            Stream input = _process.StandardInput.BaseStream;
            if (line.Length < SynchronousWriteLimit)
            {
                // A small write fits the pipe's buffer and returns at once; the asynchronous path would cost a
                // thread-pool hand-off per message on the call's critical path.
                input.Write(line);
                input.WriteByte((byte)'\n');
                input.Flush();
            }
            else
            {
                await input.WriteAsync(line, cancellationToken);
                input.WriteByte((byte)'\n');
                await input.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw new IOException($"Server '{_name}' is not reading its input (the process may have exited).", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // Closing stdin asks a stdio server to exit; it gets the shutdown timeout before it is killed.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(_shutdownTimeout);
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
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
            StreamReader output = _process.StandardOutput;
            while (output.ReadLine() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                JsonRpcMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize(line, MessageType);
                }
                catch (JsonException ex)
                {
                    LogNotJsonRpc(_logger, _name, ex.Message);
                    continue;
                }

                if (message is null || Interceptor?.TryIntercept(message) == true)
                {
                    continue;
                }

                _incoming.Writer.TryWrite(message);
            }

            _process.WaitForExit(_shutdownTimeout);
            _incoming.Writer.TryComplete(new ClientTransportClosedException(CompletionDetails(null)));
        }
        catch (Exception ex)
        {
            _incoming.Writer.TryComplete(new ClientTransportClosedException(CompletionDetails(ex)));
        }
        finally
        {
            _readingDone.TrySetResult();
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

    private void Kill()
    {
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
}
