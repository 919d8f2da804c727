using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace McpFoundation.Benchmarks.Load;

/// <summary>
/// A lean Streamable HTTP client for the load benchmark, without the MCP SDK: one <see cref="HttpClient"/> with its
/// own connection, <c>initialize</c> with empty capabilities, <c>notifications/initialized</c>, then
/// <c>tools/call</c> one at a time. It reads a JSON or an event-stream answer, and checks every echo it gets back.
/// What it costs per call is what any small client costs, so the ratio does not hide the gateway behind an SDK's
/// own overhead (issue 7).
/// </summary>
internal sealed class RawHttpClient : IAsyncDisposable
{
    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _protocolVersion;
    private readonly byte[] _callPrefix;
    private readonly byte[] _callSuffix;
    private string? _sessionId;
    private long _nextId;

    private RawHttpClient(Uri endpoint, string protocolVersion, string tool, string message)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        _endpoint = endpoint;
        _protocolVersion = protocolVersion;
        _callPrefix = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":");
        _callSuffix = Encoding.UTF8.GetBytes(",\"method\":\"tools/call\",\"params\":{\"name\":" + JsonSerializer.Serialize(tool) + ",\"arguments\":{\"message\":" + JsonSerializer.Serialize(message) + "}}}");
    }

    /// <summary>Connects: initialize, then notifications/initialized.</summary>
    public static async Task<RawHttpClient> ConnectAsync(Uri endpoint, string? protocolVersion, string tool, string message, CancellationToken cancellationToken)
    {
        var client = new RawHttpClient(endpoint, protocolVersion ?? "2025-11-25", tool, message);
        try
        {
            string initialize = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + client._protocolVersion
                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"mcpfoundation-bench-raw\",\"version\":\"1.0.0\"}}}";
            using (HttpResponseMessage response = await client.PostAsync(Encoding.UTF8.GetBytes(initialize), cancellationToken))
            {
                string body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"initialize answered HTTP {(int)response.StatusCode}: {body}");
                }

                if (response.Headers.TryGetValues("Mcp-Session-Id", out IEnumerable<string>? ids))
                {
                    client._sessionId = ids.First();
                }

                using JsonDocument answer = JsonDocument.Parse(JsonOf(body, response.Content.Headers.ContentType));
                if (!answer.RootElement.TryGetProperty("result", out _))
                {
                    throw new InvalidOperationException($"initialize did not succeed: {answer.RootElement.GetRawText()}");
                }
            }

            using (HttpResponseMessage response = await client.PostAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"u8.ToArray(), cancellationToken))
            {
                if ((int)response.StatusCode is not (202 or 200 or 204))
                {
                    throw new InvalidOperationException($"notifications/initialized answered HTTP {(int)response.StatusCode}.");
                }
            }

            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Calls the echo tool once; returns the text it answered, or throws when the answer is not a result.</summary>
    public async Task<string> CallAsync(CancellationToken cancellationToken)
    {
        long id = ++_nextId;
        byte[] digits = Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture));
        byte[] body = new byte[_callPrefix.Length + digits.Length + _callSuffix.Length];
        _callPrefix.CopyTo(body, 0);
        digits.CopyTo(body, _callPrefix.Length);
        _callSuffix.CopyTo(body, _callPrefix.Length + digits.Length);
        using HttpResponseMessage response = await PostAsync(body, cancellationToken);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"tools/call answered HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        }

        using JsonDocument answer = JsonDocument.Parse(JsonOf(bytes, response.Content.Headers.ContentType));
        JsonElement root = answer.RootElement;
        if (!root.TryGetProperty("id", out JsonElement answeredId) || answeredId.GetInt64() != id
            || !root.TryGetProperty("result", out JsonElement result)
            || (result.TryGetProperty("isError", out JsonElement isError) && isError.ValueKind == JsonValueKind.True)
            || !result.TryGetProperty("content", out JsonElement content) || content.GetArrayLength() != 1
            || !content[0].TryGetProperty("text", out JsonElement text))
        {
            throw new InvalidOperationException($"tools/call {id} answered something other than an echo: {root.GetRawText()}");
        }

        return text.GetString()!;
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body), Version = HttpVersion.Version11 };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(Json);
        request.Headers.Accept.Add(EventStream);
        if (_sessionId is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", _sessionId);
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", _protocolVersion);
        }

        return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <summary>The JSON-RPC message of an answer: the body itself, or the last <c>data:</c> of an event stream.</summary>
    private static string JsonOf(string body, MediaTypeHeaderValue? contentType) =>
        Encoding.UTF8.GetString(JsonOf(Encoding.UTF8.GetBytes(body), contentType).Span);

    private static ReadOnlyMemory<byte> JsonOf(byte[] body, MediaTypeHeaderValue? contentType)
    {
        if (contentType?.MediaType != "text/event-stream")
        {
            return body;
        }

        ReadOnlyMemory<byte> found = default;
        int start = 0;
        ReadOnlySpan<byte> data = "data:"u8;
        while (start < body.Length)
        {
            int end = Array.IndexOf(body, (byte)'\n', start);
            if (end < 0)
            {
                end = body.Length;
            }

            ReadOnlySpan<byte> line = body.AsSpan(start, end - start).TrimEnd((byte)'\r');
            if (line.StartsWith(data))
            {
                int offset = start + data.Length + (line.Length > data.Length && line[data.Length] == (byte)' ' ? 1 : 0);
                found = body.AsMemory(offset, start + line.Length - offset);
            }

            start = end + 1;
        }

        return found.IsEmpty ? throw new InvalidOperationException("the event stream carried no data line.") : found;
    }
}
