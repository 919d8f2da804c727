using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.Front;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>Sends fuzzed frames to the gateway's two fronts and records what came back (<see cref="FuzzReport"/>).</summary>
internal static class FrontFuzzer
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""";

    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    private const int InternalError = -32603;

    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Streamable HTTP: <paramref name="workers"/> clients sending <paramref name="frames"/> frames in all, each in a
    /// session of its own (a worker waits for each answer, so no fuzzed <c>notifications/cancelled</c> can name a
    /// request of its session in flight). With <paramref name="sharedSession"/> all workers share one session, as the
    /// runs before did: then a request another worker's frame cancelled while it was in flight may get no answer
    /// (the specification says so); that is counted (<c>cancel-race</c>), and only a timeout no cancellation explains
    /// is a failure.
    /// </summary>
    public static async Task RunHttpAsync(GatewayHost host, FrameMutator mutator, int frames, int workers, FuzzReport report, CancellationToken cancellationToken, bool sharedSession = false)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { Timeout = Timeout.InfiniteTimeSpan };
        SessionFrameLog? shared = sharedSession ? new SessionFrameLog(await OpenSessionAsync(http, host.McpEndpoint, cancellationToken)) : null;
        int remaining = frames;
        var gate = new object();

        async Task WorkAsync(int worker)
        {
            SessionFrameLog log = shared ?? new SessionFrameLog(await OpenSessionAsync(http, host.McpEndpoint, cancellationToken));
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                FuzzFrame frame;
                lock (gate)
                {
                    frame = mutator.NextHttp();
                }

                await SendAsync(http, host.McpEndpoint, log, worker, frame, report, cancellationToken);
            }

            if (shared is null)
            {
                await CloseSessionAsync(http, host.McpEndpoint, log.Session, cancellationToken);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(() => WorkAsync(worker), cancellationToken)));
        if (shared is not null)
        {
            await CloseSessionAsync(http, host.McpEndpoint, shared.Session, cancellationToken);
        }
    }

    private static async Task SendAsync(HttpClient http, Uri endpoint, SessionFrameLog log, int worker, FuzzFrame frame, FuzzReport report, CancellationToken cancellationToken)
    {
        string session = log.Session;
        using var request = new HttpRequestMessage(new HttpMethod(frame.Method), endpoint);
        if (frame.Method is "POST" or "PUT")
        {
            request.Content = new ByteArrayContent(frame.Body);
            request.Content.Headers.Remove("Content-Type");
            if (frame.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", frame.ContentType);
            }
        }

        if (frame.Accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", frame.Accept);
        }

        if (frame.ProtocolVersion is not null)
        {
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", frame.ProtocolVersion);
        }

        switch (frame.Session)
        {
            case SessionChoice.Valid:
                request.Headers.Add("Mcp-Session-Id", session);
                break;
            case SessionChoice.Unknown:
                request.Headers.Add("Mcp-Session-Id", "0123456789abcdef");
                break;
            case SessionChoice.Garbage:
                request.Headers.TryAddWithoutValidation("Mcp-Session-Id", "../%00\t;,\"<>");
                break;
            case SessionChoice.Twice:
                request.Headers.TryAddWithoutValidation("Mcp-Session-Id", [session, session]);
                break;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FrameTimeout);
        SentFrame sent = log.Sent(worker, frame);
        using var slow = new CancellationTokenSource(SessionFrameLog.SlowAfter);
        using CancellationTokenRegistration writeDown = slow.Token.Register(static state => ((Action)state!)(), (Action)(() => log.Slow(sent)));
        try
        {
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            int status = (int)response.StatusCode;
            report.Count("http", $"{status / 100}xx");
            if (sent.Cancellations.Count > 0)
            {
                report.Tally("http", "cancel-race answered");
            }

            JsonRpcError? error = JsonRpcError.Read(body);
            if (error is not null)
            {
                report.Tally("http", "error " + error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (error.Code == InternalError)
                {
                    report.InternalError("http", frame.Kind, sent.Method, error.Message, frame.Body);
                }
            }

            if (status >= 500)
            {
                report.Fail("http", $"HTTP {status} {Encoding.UTF8.GetString(body)}", frame.Kind, frame.Body);
            }
            else if (status >= 400 && error is null)
            {
                report.Fail("http", $"HTTP {status} without a JSON-RPC error: {Encoding.UTF8.GetString(body)}", frame.Kind, frame.Body);
            }

            // A frame that opened a session of its own (an initialize without a session header) closes it, as a client would.
            if (response.Headers.TryGetValues("Mcp-Session-Id", out IEnumerable<string>? ids) && ids.FirstOrDefault() is { } opened && opened != session)
            {
                await CloseSessionAsync(http, endpoint, opened, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (sent.Cancellations.Count > 0)
            {
                // Another worker's notifications/cancelled named this request while it was in flight: no answer is
                // what the specification asks for (only possible with a shared session).
                report.Count("http", "cancel-race no answer");
                report.Note("http no answer after a cancellation: " + log.DescribeTimeout(sent), frame.Kind, frame.Body);
            }
            else
            {
                report.Count("http", "timeout");
                report.Fail("http", $"no answer within {FrameTimeout.TotalSeconds} s: {log.DescribeTimeout(sent)}", frame.Kind, frame.Body);
            }
        }
        catch (HttpRequestException ex)
        {
            report.Count("http", "dropped");
            report.Fail("http", $"connection dropped ({ex.HttpRequestError}: {ex.Message})", frame.Kind, frame.Body);
        }
        finally
        {
            log.Done(sent);
        }
    }

    private static async Task CloseSessionAsync(HttpClient http, Uri endpoint, string session, CancellationToken cancellationToken)
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, endpoint);
        delete.Headers.Add("Mcp-Session-Id", session);
        using HttpResponseMessage deleted = await http.SendAsync(delete, cancellationToken);
    }

    private static async Task<string> OpenSessionAsync(HttpClient http, Uri endpoint, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsStringAsync(cancellationToken);
        string session = response.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(Initialized, Encoding.UTF8, "application/json") };
        initialized.Headers.Accept.ParseAdd("application/json, text/event-stream");
        initialized.Headers.Add("Mcp-Session-Id", session);
        initialized.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using HttpResponseMessage accepted = await http.SendAsync(initialized, cancellationToken);
        accepted.EnsureSuccessStatusCode();
        return session;
    }

    /// <summary>
    /// The stdio front on in-memory pipes: each fuzzed frame is followed by a ping whose answer proves the front still
    /// reads; every line it writes must be JSON-RPC.
    /// </summary>
    public static async Task RunStdioAsync(GatewayHost host, FrameMutator mutator, int frames, FuzzReport report, CancellationToken cancellationToken)
    {
        var toGateway = new Pipe();
        var fromGateway = new Pipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task serving = Task.Run(() => StdioFront.RunAsync(host.Services, toGateway.Reader.AsStream(), fromGateway.Writer.AsStream(), stop.Token), CancellationToken.None);
        var lines = new LineReader(fromGateway.Reader);
        var recent = new RecentFrames();
        try
        {
            await WriteLineAsync(toGateway.Writer, Encoding.UTF8.GetBytes(Initialize), cancellationToken);
            await lines.WaitForIdAsync("\"init\"", null, cancellationToken);
            await WriteLineAsync(toGateway.Writer, Encoding.UTF8.GetBytes(Initialized), cancellationToken);
            for (int i = 0; i < frames; i++)
            {
                (byte[] body, string kind) = mutator.NextBody();
                recent.Add(kind, body);
                await WriteLineAsync(toGateway.Writer, body, cancellationToken);
                string probe = $"\"probe-{i}\"";
                await WriteLineAsync(toGateway.Writer, Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{probe}},"method":"ping"}"""), cancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(FrameTimeout);
                try
                {
                    string? bad = await lines.WaitForIdAsync(probe, report, timeout.Token, recent);
                    report.Count("stdio", "answered");
                    if (bad is not null)
                    {
                        report.Fail("stdio", "wrote a line that is not JSON-RPC: " + bad, kind, body);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    report.Count("stdio", serving.IsCompleted ? "stopped" : "timeout");
                    report.Fail("stdio", serving.IsCompleted ? "the front stopped reading" : $"no answer to the next ping within {FrameTimeout.TotalSeconds} s", kind, body);
                    return;
                }
            }
        }
        finally
        {
            await toGateway.Writer.CompleteAsync();
            await stop.CancelAsync();
            try
            {
                await serving.WaitAsync(TestTimeouts.Default, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task WriteLineAsync(PipeWriter writer, byte[] body, CancellationToken cancellationToken)
    {
        writer.Write(body);
        writer.Write("\n"u8);
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Reads the front's output line by line.</summary>
    private sealed class LineReader(PipeReader reader)
    {
        /// <summary>Reads until the answer with <paramref name="id"/>; counts the errors it passes; returns a line that is not JSON-RPC, if any.</summary>
        public async Task<string?> WaitForIdAsync(string id, FuzzReport? report, CancellationToken cancellationToken, RecentFrames? recent = null)
        {
            string? bad = null;
            while (true)
            {
                ReadResult read = await reader.ReadAsync(cancellationToken);
                ReadOnlySequence<byte> buffer = read.Buffer;
                bool found = false;
                while (!found && buffer.PositionOf((byte)'\n') is { } end)
                {
                    string line = Encoding.UTF8.GetString(buffer.Slice(0, end));
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    found = line.Contains("\"id\":" + id, StringComparison.Ordinal);
                    if (!found)
                    {
                        bad ??= Classify(line, report, recent);
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (found)
                {
                    return bad;
                }

                if (read.IsCompleted)
                {
                    throw new OperationCanceledException("The front closed its output.");
                }
            }
        }

        private static string? Classify(string line, FuzzReport? report, RecentFrames? recent)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                if (JsonRpcError.Parse(line) is { } error)
                {
                    report?.Tally("stdio", "error " + error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (error.Code == InternalError && recent?.Answered(document.RootElement) is { } frame)
                    {
                        // An internal error answers a frame the client got wrong only when something was missed.
                        report?.InternalError("stdio", frame.Kind, SessionFrameLog.Read(frame.Body).Method, error.Message, frame.Body);
                    }
                }

                return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("jsonrpc", out _) ? null : line;
            }
            catch (JsonException)
            {
                return line;
            }
        }
    }

    /// <summary>
    /// The last frames sent to the stdio front. An answer can come after the next frame's probe (a request forwarded
    /// downstream is answered later), so an error is put down to the newest frame with the error's id.
    /// </summary>
    private sealed class RecentFrames
    {
        private const int Kept = 64;

        private readonly Queue<(string? Id, string Kind, byte[] Body)> _frames = new();

        public void Add(string kind, byte[] body)
        {
            _frames.Enqueue((SessionFrameLog.Read(body).Id, kind, body));
            if (_frames.Count > Kept)
            {
                _frames.Dequeue();
            }
        }

        /// <summary>The newest frame with the answer's id; the newest frame, marked so, when none has it.</summary>
        public (string Kind, byte[] Body)? Answered(JsonElement answer)
        {
            string? id = answer.TryGetProperty("id", out JsonElement value) ? value.GetRawText() : null;
            (string? Id, string Kind, byte[] Body)? match = null;
            (string? Id, string Kind, byte[] Body)? last = null;
            foreach ((string? Id, string Kind, byte[] Body) frame in _frames)
            {
                last = frame;
                if (id is not null && frame.Id == id)
                {
                    match = frame;
                }
            }

            return match is { } m ? (m.Kind, m.Body) : last is { } l ? (l.Kind + ", id " + (id ?? "none") + " not among the last frames", l.Body) : null;
        }
    }
}
