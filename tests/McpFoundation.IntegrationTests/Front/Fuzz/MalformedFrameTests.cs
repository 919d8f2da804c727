using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.Front;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>
/// The frames the fuzzer found, and one of every malformed class: each gets its JSON-RPC error with the HTTP status
/// the Streamable HTTP transport gives it, and the same code on the stdio front, which keeps reading.
/// </summary>
[Trait("Category", "Security")]
public sealed class MalformedFrameTests(FrontGateway gateway) : IClassFixture<FrontGateway>
{
    public static TheoryData<string, string, int, int> Frames => new()
    {
        // name, frame, HTTP status, JSON-RPC code
        { "parse error", """{"jsonrpc":"2.0","id":1,"method":""", 400, -32700 },
        { "trailing data", """{"jsonrpc":"2.0","id":1,"method":"ping"} x""", 400, -32700 },
        { "lone surrogate property (found by the fuzzer: the guard threw)", """{"jsonrpc":"2.0","id":1,"\ud800":1,"method":"ping"}""", 400, -32700 },
        { "lone surrogate value", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\udc00"}}""", 400, -32700 },
        { "batch", """[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]""", 400, -32600 },
        { "not an object", "42", 400, -32600 },
        { "wrong version", """{"jsonrpc":"1.0","id":1,"method":"ping"}""", 400, -32600 },
        { "null id", """{"jsonrpc":"2.0","id":null,"method":"ping"}""", 400, -32600 },
        { "fractional id", """{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", 400, -32600 },
        { "method not a string", """{"jsonrpc":"2.0","id":1,"method":7}""", 400, -32600 },
        { "duplicate member", """{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}""", 400, -32600 },
        { "no method, no result", """{"jsonrpc":"2.0","id":1}""", 400, -32600 },
        { "params not an object", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}""", 400, -32602 },
        { "tools/call without params (found by the fuzzer: logged as an error)", """{"jsonrpc":"2.0","id":1,"method":"tools/call"}""", 400, -32602 },
        { "resources/read with null params (found by the fuzzer)", """{"jsonrpc":"2.0","id":1,"method":"resources/read","params":null}""", 400, -32602 },
        { "too deep", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":""" + new string('[', 100) + new string(']', 100) + "}}", 400, -31066 },
        { "array too long", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[""" + string.Join(",", Enumerable.Repeat("0", 10_001)) + "]}}", 400, -31066 },
        { "string too long", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":" """ + new string('x', 1024 * 1024 + 1) + "\"}}", 400, -31066 },
        { "too large", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[""" + string.Join(",", Enumerable.Repeat("\"" + new string('x', 1000) + "\"", 4200)) + "]}}", 413, -31065 },
    };

    /// <summary>
    /// Frames that the fuzzer saw answered -32603 (an exception escaped a handler) inside an initialized session: each
    /// now gets -32602 (or the gateway's own code) with what to fix. HTTP 400 where the front refuses the request
    /// before the SDK reads it; 200 where a handler answers with a JSON-RPC error in the event stream.
    /// </summary>
    public static TheoryData<string, string, int, int> SessionFrames => new()
    {
        // name, frame, HTTP status, JSON-RPC code
        { "completion/complete, argument null", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":null}}""", 400, -32602 },
        { "completion/complete, no argument", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"arGument":{"name":"a","value":"b"}}}""", 400, -32602 },
        { "completion/complete, argument without value", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a"}}}""", 400, -32602 },
        { "completion/complete, argument name null", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":null,"value":"b"}}}""", 400, -32602 },
        { "completion/complete, prompt name null", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":null},"argument":{"name":"a","value":"b"}}}""", 400, -32602 },
        { "completion/complete, ref null", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":null,"argument":{"name":"a","value":"b"}}}""", 400, -32602 },
        { "completion/complete of an unknown prompt", """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"b"}}}""", 200, -32602 },
        { "resources/read, uri null", """{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":null}}""", 400, -32602 },
        { "second initialize, no protocolVersion", """{"jsonrpc":"2.0","id":9,"method":"initialize","params":{"protocolVersioN":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzZ","version":"1"}}}""", 400, -32602 },
        { "logging/setLevel, no level", """{"jsonrpc":"2.0","id":11,"method":"logging/setLevel","params":{"levEl":"debug"}}""", 400, -32602 },
        { "second initialize, params null", """{"jsonrpc":"2.0","id":25,"method":"initialize","params":null}""", 400, -32602 },
        { "second initialize, clientInfo name null", """{"jsonrpc":"2.0","id":23,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"sampling":7},"clientInfo":{"name":null}}}""", 400, -32602 },
    };

    [Theory]
    [MemberData(nameof(SessionFrames))]
    public async Task PostMcp_MalformedFrameInSession_JsonRpcErrorNotInternalError(string name, string frame, int status, int code)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string session = await OpenSessionAsync(cts.Token);
        try
        {
            using HttpRequestMessage request = SessionPost(session, frame);
            using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);
            string body = await response.Content.ReadAsStringAsync(cts.Token);

            JsonRpcError? error = JsonRpcError.Read(Encoding.UTF8.GetBytes(body));
            Assert.True(error is not null && error.Code == code && (int)response.StatusCode == status, $"{name}: HTTP {(int)response.StatusCode} {body}");
        }
        finally
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, gateway.Host.McpEndpoint);
            delete.Headers.Add("Mcp-Session-Id", session);
            using HttpResponseMessage deleted = await gateway.Http.SendAsync(delete, cts.Token);
        }
    }

    [Theory]
    [MemberData(nameof(SessionFrames))]
    public async Task Stdio_MalformedFrameInSession_SameErrorAndKeepsReading(string name, string frame, int status, int code)
    {
        _ = status;
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var toGateway = new Pipe();
        var fromGateway = new Pipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        Task serving = Task.Run(() => StdioFront.RunAsync(gateway.Host.Services, toGateway.Reader.AsStream(), fromGateway.Writer.AsStream(), stop.Token), CancellationToken.None);
        try
        {
            await toGateway.Writer.WriteAsync(Encoding.UTF8.GetBytes(Initialize + "\n"), cts.Token);
            Assert.Contains("\"id\":\"init\"", await ReadLineAsync(fromGateway.Reader, cts.Token), StringComparison.Ordinal);
            await toGateway.Writer.WriteAsync(Encoding.UTF8.GetBytes(Initialized + "\n" + frame + "\n" + """{"jsonrpc":"2.0","id":"after","method":"ping"}""" + "\n"), cts.Token);

            // The frame's answer may come after the ping's (a handler that goes downstream answers later).
            string[] lines = [await ReadLineAsync(fromGateway.Reader, cts.Token), await ReadLineAsync(fromGateway.Reader, cts.Token)];
            string answer = Assert.Single(lines, l => !l.Contains("\"id\":\"after\"", StringComparison.Ordinal));
            Assert.True(JsonRpcError.Parse(answer) is { } error && error.Code == code, $"{name}: {answer}");
            Assert.Contains(lines, l => l.Contains("\"id\":\"after\"", StringComparison.Ordinal)); // still reading
        }
        finally
        {
            await toGateway.Writer.CompleteAsync();
            await stop.CancelAsync();
            await serving.WaitAsync(TestTimeouts.Default, CancellationToken.None);
        }
    }

    private const string Initialize =
        """{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"malformed","version":"1"}}}""";

    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    private async Task<string> OpenSessionAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        string session = response.Headers.GetValues("Mcp-Session-Id").Single();
        using HttpRequestMessage initialized = SessionPost(session, Initialized);
        using HttpResponseMessage accepted = await gateway.Http.SendAsync(initialized, cancellationToken);
        accepted.EnsureSuccessStatusCode();
        return session;
    }

    private HttpRequestMessage SessionPost(string session, string frame)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(frame, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        return request;
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task PostMcp_MalformedFrame_JsonRpcErrorWithTransportStatus(string name, string frame, int status, int code)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(frame, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);

        Assert.True(status == (int)response.StatusCode, $"{name}: HTTP {(int)response.StatusCode}");
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(code, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    /// <summary>
    /// Found flaky under load: the gateway answered 413 before the client had sent its body, closed the connection and
    /// the client, still writing, saw a reset. The gateway now discards the rest of an oversized body (up to twice the
    /// limit) before it answers, so the client always reads the 413 and its JSON-RPC error.
    /// </summary>
    [Theory]
    [InlineData(true, 4 * 1024 * 1024 + 1)]
    [InlineData(false, 4 * 1024 * 1024 + 1)]
    [InlineData(true, 7 * 1024 * 1024)]
    [InlineData(false, 7 * 1024 * 1024)]
    public async Task PostMcp_OversizedBodyRepeatedly_Always413NeverReset(bool contentLength, int size)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        byte[] frame = new byte[size];
        Array.Fill(frame, (byte)' ');
        """{"jsonrpc":"2.0","id":1,"method":"ping"}"""u8.CopyTo(frame);
        for (int i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint)
            {
                Content = contentLength ? new ByteArrayContent(frame) : new ChunkedContent(frame),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");

            using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token); // a reset throws here
            Assert.Equal(contentLength, request.Content.Headers.ContentLength is not null);
            Assert.True((int)response.StatusCode == 413, $"attempt {i}: HTTP {(int)response.StatusCode}");
            using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
            Assert.Equal(-31065, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("http.max_request_bytes", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // The connection pool still works for a normal request.
        using var ping = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json") };
        ping.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using HttpResponseMessage answered = await gateway.Http.SendAsync(ping, cts.Token);
        Assert.True((int)answered.StatusCode < 500, $"HTTP {(int)answered.StatusCode}");
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', 0xFF, (byte)'}' }, 400, -32700)]
    [InlineData(new byte[] { }, 400, -32700)]
    public async Task PostMcp_NotUtf8OrEmpty_ParseError(byte[] frame, int status, int code)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new ByteArrayContent(frame) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);

        Assert.Equal(status, (int)response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(code, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("POST", "text/plain", 415)] // found by the fuzzer: routing answered an empty 415
    [InlineData("POST", "application/json; charset=utf-16", 415)] // the SDK would have thrown: 500
    [InlineData("PUT", "application/json", 405)] // found by the fuzzer: routing answered an empty 405
    public async Task Mcp_UnacceptableRequest_JsonRpcError(string method, string contentType, int status)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        using var request = new HttpRequestMessage(new HttpMethod(method), gateway.Host.McpEndpoint) { Content = new ByteArrayContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}"""u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cts.Token);

        Assert.Equal(status, (int)response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(-32600, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task Stdio_MalformedFrame_SameErrorAndKeepsReading(string name, string frame, int status, int code)
    {
        _ = status;
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var toGateway = new Pipe();
        var fromGateway = new Pipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        Task serving = Task.Run(() => StdioFront.RunAsync(gateway.Host.Services, toGateway.Reader.AsStream(), fromGateway.Writer.AsStream(), stop.Token), CancellationToken.None);
        try
        {
            await toGateway.Writer.WriteAsync(Encoding.UTF8.GetBytes(frame + "\n" + """{"jsonrpc":"2.0","id":"after","method":"ping"}""" + "\n"), cts.Token);

            string first = await ReadLineAsync(fromGateway.Reader, cts.Token);
            string second = await ReadLineAsync(fromGateway.Reader, cts.Token);

            using JsonDocument error = JsonDocument.Parse(first);
            Assert.True(code == error.RootElement.GetProperty("error").GetProperty("code").GetInt32(), $"{name}: {first}");
            Assert.Contains("\"id\":\"after\"", second, StringComparison.Ordinal); // still reading
        }
        finally
        {
            await toGateway.Writer.CompleteAsync();
            await stop.CancelAsync();
            await serving.WaitAsync(TestTimeouts.Default, CancellationToken.None);
        }
    }

    private static async Task<string> ReadLineAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.PositionOf((byte)'\n') is { } end)
            {
                string line = Encoding.UTF8.GetString(read.Buffer.Slice(0, end));
                reader.AdvanceTo(read.Buffer.GetPosition(1, end));
                return line;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (read.IsCompleted)
            {
                throw new InvalidOperationException("The stdio front closed its output.");
            }
        }
    }

    /// <summary>A body sent with Transfer-Encoding: chunked (its length is not known up front), in 64 KiB writes.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (int offset = 0; offset < body.Length; offset += 65536)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(65536, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
