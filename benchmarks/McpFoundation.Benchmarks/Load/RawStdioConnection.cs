using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace McpFoundation.Benchmarks.Load;

/// <summary>
/// A lean stdio MCP client for the load benchmark, without the MCP SDK: it starts the backend itself and speaks
/// newline-delimited JSON-RPC on the backend's stdin and stdout. <c>initialize</c> with empty capabilities,
/// <c>notifications/initialized</c>, then <c>tools/call</c>. One process serves all the benchmark's clients, as the
/// gateway's one downstream connection serves all of its callers: each client has one call in flight, answers are
/// matched by id, and every echo is checked by the caller. Notifications from the server are read and dropped; a
/// request from the server (ping) is answered.
/// </summary>
internal sealed class RawStdioConnection : IAsyncDisposable
{
    private const int TailLines = 20;
    private static readonly TimeSpan InitializeTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Queue<string> _stderrTail = new();
    private readonly Lock _tailLock = new();
    private readonly CancellationTokenSource _stop = new();
    private byte[] _callPrefix = [];
    private byte[] _callSuffix = [];
    private Task _reader = Task.CompletedTask;
    private long _nextId;

    private RawStdioConnection(Process process)
    {
        _process = process;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput.BaseStream;
    }

    /// <summary>Gets the backend's process id (its CPU time is the "server" figure of the direct-stdio path).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts <paramref name="backend"/> and completes the MCP handshake.</summary>
    public static async Task<RawStdioConnection> StartAsync(Backend backend, string? protocolVersion, string message, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(backend.Command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in backend.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in backend.Environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{backend.Command}'.");
        var connection = new RawStdioConnection(process);
        try
        {
            process.ErrorDataReceived += (_, e) => connection.Remember(e.Data);
            process.BeginErrorReadLine();
            connection._callPrefix = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":");
            connection._callSuffix = Encoding.UTF8.GetBytes(",\"method\":\"tools/call\",\"params\":{\"name\":\"" + Backend.Tool + "\",\"arguments\":{\"message\":" + JsonSerializer.Serialize(message) + "}}}\n");
            connection._reader = Task.Run(() => connection.ReadLoopAsync(connection._stop.Token), CancellationToken.None);

            string initialize = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + (protocolVersion ?? "2025-11-25")
                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"mcpfoundation-bench-raw-stdio\",\"version\":\"1.0.0\"}}}\n";
            Task<JsonElement> answer = connection.Expect(0);
            await connection.WriteAsync(Encoding.UTF8.GetBytes(initialize), cancellationToken);
            JsonElement initialized = await answer.WaitAsync(InitializeTimeout, cancellationToken);
            if (!initialized.TryGetProperty("result", out _))
            {
                throw new InvalidOperationException($"{backend.Id}: initialize did not succeed: {initialized.GetRawText()}");
            }

            await connection.WriteAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"u8.ToArray(), cancellationToken);
            return connection;
        }
        catch (TimeoutException ex)
        {
            string tail = connection.Tail();
            await connection.DisposeAsync();
            throw new InvalidOperationException($"{backend.Id} did not answer initialize within {InitializeTimeout.TotalSeconds:0} s. Its stderr:{Environment.NewLine}{tail}", ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Calls the echo tool once; returns the text it answered, or throws when the answer is not a result.</summary>
    public async Task<string> CallAsync(CancellationToken cancellationToken)
    {
        long id = Interlocked.Increment(ref _nextId);
        byte[] digits = Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture));
        byte[] body = new byte[_callPrefix.Length + digits.Length + _callSuffix.Length];
        _callPrefix.CopyTo(body, 0);
        digits.CopyTo(body, _callPrefix.Length);
        _callSuffix.CopyTo(body, _callPrefix.Length + digits.Length);
        Task<JsonElement> answer = Expect(id);
        await WriteAsync(body, cancellationToken);
        JsonElement root = await answer.WaitAsync(cancellationToken);
        if (!root.TryGetProperty("result", out JsonElement result)
            || (result.TryGetProperty("isError", out JsonElement isError) && isError.ValueKind == JsonValueKind.True)
            || !result.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.Array || content.GetArrayLength() != 1
            || !content[0].TryGetProperty("text", out JsonElement text))
        {
            throw new InvalidOperationException($"tools/call {id} answered something other than an echo: {root.GetRawText()}");
        }

        return text.GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await ChildProcess.KillTreeAsync(_process);

        try
        {
            await _reader;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The pipe closed under the reader.
        }

        foreach (TaskCompletionSource<JsonElement> waiter in _pending.Values)
        {
            waiter.TrySetException(new InvalidOperationException("the stdio backend was stopped."));
        }

        _process.Dispose();
        _writeLock.Dispose();
        _stop.Dispose();
    }

    private Task<JsonElement> Expect(long id)
    {
        var waiter = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = waiter;
        return waiter.Task;
    }

    private async Task WriteAsync(byte[] line, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _stdin.WriteAsync(line, cancellationToken);
            await _stdin.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Reads newline-delimited messages until the pipe closes; completes the waiter of every answer.</summary>
    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        int filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                int read = await _stdout.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                int start = 0;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
                {
                    if (newline > start)
                    {
                        await OnMessageAsync(buffer.AsMemory(start, newline - start), cancellationToken);
                    }

                    start = newline + 1;
                }

                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                    filled -= start;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Stopped, or the backend went away: the waiters are failed below.
        }

        var gone = new InvalidOperationException($"the stdio backend closed its output. Its stderr:{Environment.NewLine}{Tail()}");
        foreach (TaskCompletionSource<JsonElement> waiter in _pending.Values)
        {
            waiter.TrySetException(gone);
        }
    }

    private async ValueTask OnMessageAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        JsonElement message;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            message = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            Remember("stdout (not JSON): " + Encoding.UTF8.GetString(line.Span));
            return;
        }

        bool hasId = message.TryGetProperty("id", out JsonElement id);
        if (message.TryGetProperty("method", out JsonElement method))
        {
            if (hasId)
            {
                // A request from the server: answer ping, refuse anything else (the client declared no capabilities).
                string reply = method.GetString() == "ping"
                    ? "{\"jsonrpc\":\"2.0\",\"id\":" + id.GetRawText() + ",\"result\":{}}\n"
                    : "{\"jsonrpc\":\"2.0\",\"id\":" + id.GetRawText() + ",\"error\":{\"code\":-32601,\"message\":\"the benchmark client supports no requests\"}}\n";
                await WriteAsync(Encoding.UTF8.GetBytes(reply), cancellationToken);
            }

            return;
        }

        if (hasId && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long key) && _pending.TryRemove(key, out TaskCompletionSource<JsonElement>? waiter))
        {
            waiter.TrySetResult(message);
        }
        else
        {
            Remember("stdout (unexpected answer): " + message.GetRawText());
        }
    }

    private string Tail()
    {
        lock (_tailLock)
        {
            return string.Join(Environment.NewLine, _stderrTail);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tailLock)
        {
            if (_stderrTail.Count == TailLines)
            {
                _stderrTail.Dequeue();
            }

            _stderrTail.Enqueue(line);
        }
    }
}
