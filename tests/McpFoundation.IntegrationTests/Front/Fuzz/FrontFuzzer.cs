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

    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Streamable HTTP: one session, <paramref name="workers"/> clients sending <paramref name="frames"/> frames in all.</summary>
    public static async Task RunHttpAsync(GatewayHost host, FrameMutator mutator, int frames, int workers, FuzzReport report, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { Timeout = Timeout.InfiniteTimeSpan };
        string session = await OpenSessionAsync(http, host.McpEndpoint, cancellationToken);
        int remaining = frames;
        var gate = new object();

        async Task WorkAsync()
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                FuzzFrame frame;
                lock (gate)
                {
                    frame = mutator.NextHttp();
                }

                await SendAsync(http, host.McpEndpoint, session, frame, report, cancellationToken);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync, cancellationToken)));
    }

    private static async Task SendAsync(HttpClient http, Uri endpoint, string session, FuzzFrame frame, FuzzReport report, CancellationToken cancellationToken)
    {
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
        try
        {
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            int status = (int)response.StatusCode;
            report.Count("http", $"{status / 100}xx");
            if (status >= 500)
            {
                report.Fail("http", $"HTTP {status} {Encoding.UTF8.GetString(body)}", frame.Kind, frame.Body);
            }
            else if (status >= 400 && !IsJsonRpcError(body))
            {
                report.Fail("http", $"HTTP {status} without a JSON-RPC error: {Encoding.UTF8.GetString(body)}", frame.Kind, frame.Body);
            }

            // A frame that opened a session of its own (an initialize without a session header) closes it, as a client would.
            if (response.Headers.TryGetValues("Mcp-Session-Id", out IEnumerable<string>? ids) && ids.FirstOrDefault() is { } opened && opened != session)
            {
                using var delete = new HttpRequestMessage(HttpMethod.Delete, endpoint);
                delete.Headers.Add("Mcp-Session-Id", opened);
                using HttpResponseMessage deleted = await http.SendAsync(delete, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            report.Count("http", "timeout");
            report.Fail("http", $"no answer within {FrameTimeout.TotalSeconds} s", frame.Kind, frame.Body);
        }
        catch (HttpRequestException ex)
        {
            report.Count("http", "dropped");
            report.Fail("http", $"connection dropped ({ex.HttpRequestError}: {ex.Message})", frame.Kind, frame.Body);
        }
    }

    /// <summary>Whether an error answer is a JSON-RPC error (as JSON, or as the data of a server-sent event).</summary>
    private static bool IsJsonRpcError(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        int data = text.IndexOf("data:", StringComparison.Ordinal);
        if (data >= 0)
        {
            text = text[(data + 5)..].Split('\n')[0];
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("error", out JsonElement error) && error.TryGetProperty("code", out _);
        }
        catch (JsonException)
        {
            return false;
        }
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
        try
        {
            await WriteLineAsync(toGateway.Writer, Encoding.UTF8.GetBytes(Initialize), cancellationToken);
            await lines.WaitForIdAsync("\"init\"", null, cancellationToken);
            await WriteLineAsync(toGateway.Writer, Encoding.UTF8.GetBytes(Initialized), cancellationToken);
            for (int i = 0; i < frames; i++)
            {
                (byte[] body, string kind) = mutator.NextBody();
                await WriteLineAsync(toGateway.Writer, body, cancellationToken);
                string probe = $"\"probe-{i}\"";
                await WriteLineAsync(toGateway.Writer, Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{probe}},"method":"ping"}"""), cancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(FrameTimeout);
                try
                {
                    string? bad = await lines.WaitForIdAsync(probe, report, timeout.Token, kind, body);
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
        public async Task<string?> WaitForIdAsync(string id, FuzzReport? report, CancellationToken cancellationToken, string? kind = null, byte[]? frame = null)
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
                        bad ??= Classify(line, report, kind, frame);
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

        private static string? Classify(string line, FuzzReport? report, string? kind, byte[]? frame)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                if (document.RootElement.TryGetProperty("error", out JsonElement error))
                {
                    int code = error.GetProperty("code").GetInt32();
                    report?.Tally("stdio", "error " + code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (code == -32603 && frame is not null)
                    {
                        // An internal error answers a frame the client got wrong only when something was missed: kept to look at.
                        report?.Note("stdio -32603 " + line, kind ?? "?", frame);
                    }
                }

                return document.RootElement.TryGetProperty("jsonrpc", out _) ? null : line;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return line;
            }
        }
    }
}
