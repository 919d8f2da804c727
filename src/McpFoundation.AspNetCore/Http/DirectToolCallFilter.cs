using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using McpFoundation.Pipeline;
using McpFoundation.Sessions;
using McpFoundation.Tools;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// Answers a plain <c>tools/call</c> of an established Streamable HTTP session on the request's own thread, through the
/// same pipeline and router as every other request, and writes the JSON-RPC response as <c>application/json</c>.
/// The SDK's transport would hand the request to the session's message loop, force a yield, and hand the response
/// back to the POST's event stream: three thread hand-offs per call, which is most of what a call costs (measured,
/// docs/PERFORMANCE.md). Anything this filter is not sure of goes to the SDK unchanged.
/// </summary>
/// <remarks>
/// It must be indistinguishable from the SDK's path, so it answers only what the SDK would answer the same way:
/// a body it parses completely (the SDK's JSON options, nothing after the message, a JSON content type in UTF-8) that
/// is a <c>tools/call</c> request whose params bind to <see cref="CallToolRequestParams"/>; from the session's owner by
/// the SDK's rule (<see cref="SessionOwner"/>); with the Accept header the SDK requires; on a session whose options
/// register no SDK filter that would see the call (<see cref="SdkToolCallFilters"/>). Every other request, malformed or
/// foreign ones included, is left to the SDK with its body unread, so it gets the SDK's own answer.
/// </remarks>
internal sealed partial class DirectToolCallFilter(
    SessionRegistry sessions,
    ToolRegistry tools,
    IOptions<McpFoundationHttpOptions> options,
    ILogger<DirectToolCallFilter> logger) : IEndpointFilter
{
    // The SDK reads messages and binds params with its protocol options (case-sensitive names); so must this filter.
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<JsonRpcMessage>();
    private static readonly JsonTypeInfo<CallToolRequestParams> ParamsType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<CallToolRequestParams>();
    private static readonly JsonTypeInfo<object?> ErrorDataType = McpJsonUtilities.DefaultOptions.GetTypeInfo<object?>();
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = McpJsonUtilities.ProtocolOptions.AllowTrailingCommas,
        CommentHandling = McpJsonUtilities.ProtocolOptions.ReadCommentHandling,
        MaxDepth = McpJsonUtilities.ProtocolOptions.MaxDepth,
    };
    private static readonly JsonTypeInfo<RequestId> RequestIdType = (JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId));
    private static readonly JsonTypeInfo<CallToolResult> ResultType = (JsonTypeInfo<CallToolResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult));
    private static readonly TimeSpan CancelledRequestHold = TimeSpan.FromSeconds(60);
    private const long MaxBodyBytes = 1024 * 1024; // larger requests take the SDK's path
    private readonly bool _enabled = options.Value.DirectToolCalls;
    private long _answered;
    private FilterVerdict? _filters;

    // Requests the SDK sees keep its idle-session clock running; a session answered here only is sent to the SDK now and then.
    private readonly TimeSpan _sdkActivityInterval = options.Value.IdleTimeout / 4;

    /// <summary>Gets how many tool calls this filter answered itself.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (!_enabled || TryGetSession(http) is not { } session || http.Request.ContentLength > MaxBodyBytes)
        {
            return await next(context);
        }

        // The body is looked at in the request's own buffer and left unconsumed unless this filter answers it, so the
        // SDK reads it afresh otherwise: no copy, and no parse at all of a body that is not a tools/call.
        PipeReader body = http.Request.BodyReader;
        ReadResult read = await ReadWholeBodyAsync(body, http.RequestAborted);
        JsonRpcRequest? call = read.IsCompleted ? TryParseToolCall(read.Buffer) : null;
        if (call is null || TryBindParams(call) is not { } parameters || !IsPlain(call, parameters))
        {
            body.AdvanceTo(read.Buffer.Start);
            return await next(context);
        }

        body.AdvanceTo(read.Buffer.End);
        Interlocked.Increment(ref _answered);
        byte[]? response = await CallAsync(session, call, parameters, http.RequestAborted);
        if (response is null)
        {
            // Cancelled by the client: a cancelled request gets no JSON-RPC response. As on the SDK's path, the POST
            // stays open until the client lets go of it (a POST that ends without a reply is an error to clients).
            await WaitForClientToLeaveAsync(http.RequestAborted);
            return Results.Empty;
        }

        // One write with a known length: headers and body leave in one send, with no chunk framing and no final empty
        // chunk for the client to wait for.
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.Headers["Mcp-Session-Id"] = session.Id; // as the SDK sets it on every answer of a session
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = response.Length;
        await http.Response.Body.WriteAsync(response, http.RequestAborted);
        return Results.Empty;
    }

    private static async Task WaitForClientToLeaveAsync(CancellationToken aborted)
    {
        try
        {
            await Task.Delay(CancelledRequestHold, aborted);
        }
        catch (OperationCanceledException)
        {
            // The client closed the request.
        }
    }

    private ClientSession? TryGetSession(HttpContext http)
    {
        HttpRequest request = http.Request;
        if (!HttpMethods.IsPost(request.Method)
            || request.Headers["Mcp-Session-Id"] is not { Count: 1 } sessionId
            || !sessions.TryGet(sessionId[0]!, out ClientSession? session)
            || session.SinceSdkActivity > _sdkActivityInterval
            || !SessionOwner.Matches(session.Owner, http.User)
            || !AcceptsJsonAndEventStream(request.Headers.Accept)
            || !IsUtf8Json(request.ContentType)
            || SdkFiltersApply(session.Server.ServerOptions))
        {
            return null;
        }

        // A client that accepts server-to-client requests needs them on this request's event stream: the SDK's path.
        ClientCapabilities? capabilities = session.Capabilities;
        if (capabilities is null || capabilities.Sampling is not null || capabilities.Elicitation is not null || capabilities.Roots is not null)
        {
            return null;
        }

        string? version = request.Headers["MCP-Protocol-Version"].ToString();
        return string.IsNullOrEmpty(version) || version == session.ProtocolVersion ? session : null;
    }

    /// <summary>Reads until the body is complete or longer than this filter handles; consumes nothing.</summary>
    private static async ValueTask<ReadResult> ReadWholeBodyAsync(PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read = await body.ReadAsync(cancellationToken);
            if (read.IsCompleted || read.IsCanceled || read.Buffer.Length > MaxBodyBytes)
            {
                return read;
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>
    /// Whether the Accept header names both media types the SDK requires, each exactly (parameters such as q aside).
    /// Wildcards and anything unusual go to the SDK, which decides; nothing is allocated.
    /// </summary>
    private static bool AcceptsJsonAndEventStream(StringValues accept)
    {
        bool json = false, eventStream = false;
        foreach (string? value in accept)
        {
            ReadOnlySpan<char> rest = value;
            while (!rest.IsEmpty)
            {
                int comma = rest.IndexOf(',');
                ReadOnlySpan<char> item = comma < 0 ? rest : rest[..comma];
                rest = comma < 0 ? default : rest[(comma + 1)..];
                int semicolon = item.IndexOf(';');
                ReadOnlySpan<char> mediaType = (semicolon < 0 ? item : item[..semicolon]).Trim();
                json |= mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
                eventStream |= mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
            }
        }

        return json && eventStream;
    }

    /// <summary>
    /// Whether the body is JSON in UTF-8 as this filter reads it. The SDK also reads other JSON media types and
    /// charsets (transcoding them) and refuses non-JSON ones; those are its to answer.
    /// </summary>
    private static bool IsUtf8Json(string? contentType) =>
        contentType is not null
        && (contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Equals("application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase)
            || contentType.Equals("application/json;charset=utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether an SDK filter would see this session's tools/call; worked out once per options instance.</summary>
    private bool SdkFiltersApply(McpServerOptions options)
    {
        FilterVerdict? verdict = Volatile.Read(ref _filters);
        if (verdict is null || !ReferenceEquals(verdict.Options, options))
        {
            verdict = new FilterVerdict(options, SdkToolCallFilters.AnyApply(options));
            Volatile.Write(ref _filters, verdict);
        }

        return verdict.Apply;
    }

    /// <summary>
    /// Reads the body as the SDK reads it (its options; one JSON value and nothing after it); returns the request only
    /// if it is a tools/call request. Anything else, or anything that does not parse, is the SDK's to answer.
    /// </summary>
    private static JsonRpcRequest? TryParseToolCall(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment && body.FirstSpan.IndexOf("\"tools/call\""u8) < 0)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            if (JsonSerializer.Deserialize(ref reader, MessageType) is not JsonRpcRequest { Method: RequestMethods.ToolsCall } call
                || reader.Read())
            {
                return null; // a notification, a response, another method, or a second value after the message
            }

            return call;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            return null; // the SDK reports malformed input in its own words
        }
    }

    /// <summary>Binds the params as the SDK's tools/call handler does; null if they are not an object or do not bind.</summary>
    private static CallToolRequestParams? TryBindParams(JsonRpcRequest call)
    {
        if (call.Params is not JsonObject)
        {
            return null;
        }

        try
        {
            return call.Params.Deserialize(ParamsType) is { Name: not null } parameters ? parameters : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            return null; // the SDK answers params that do not bind (its handler fails) in its own words
        }
    }

    /// <summary>A tools/call without progress or multi-round-trip state: nothing needs the SDK's event stream.</summary>
    private static bool IsPlain(JsonRpcRequest call, CallToolRequestParams parameters) =>
        parameters.Meta?["progressToken"] is null
        && call.Params is JsonObject raw
        && !raw.ContainsKey("requestState")
        && !raw.ContainsKey("inputResponses");

    /// <summary>Makes the call; returns the JSON-RPC response's bytes, or null when the client cancelled it.</summary>
    private async Task<byte[]?> CallAsync(ClientSession session, JsonRpcRequest call, CallToolRequestParams parameters, CancellationToken aborted)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        using IDisposable registration = session.TrackDirectRequest(call.Id, cancellation);
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall) { Session = session, User = session.User, Meta = call.Params?["_meta"] as JsonObject };
        try
        {
            ToolCallAttempt attempt = await tools.TryCallToolAsync(context, parameters, session.Server, cancellation.Token);
            return attempt.Error is { } refused
                ? SerializeError(call.Id, (int)refused.ErrorCode, refused.Message, ErrorData(refused))
                : SerializeResult(call.Id, attempt.Result!);
        }
        catch (McpProtocolException ex)
        {
            return SerializeError(call.Id, (int)ex.ErrorCode, ex.Message, ErrorData(ex));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            // The SDK's words for a failed handler: an McpException's message, otherwise nothing of the exception.
            LogFailed(logger, context.CorrelationId, ex);
            return SerializeError(call.Id, GatewayErrorCodes.InternalError, ex is McpException ? ex.Message : "An error occurred.", data: null);
        }
    }

    /// <summary>An exception's data as the SDK puts it into the error: its string-keyed entries that serialize.</summary>
    private static Dictionary<string, JsonElement>? ErrorData(McpProtocolException ex)
    {
        if (ex.Data.Count == 0)
        {
            return null;
        }

        Dictionary<string, JsonElement>? data = null;
        foreach (System.Collections.DictionaryEntry entry in ex.Data)
        {
            if (entry.Key is not string key)
            {
                continue;
            }

            try
            {
                JsonElement value = entry.Value is JsonElement element ? element : JsonSerializer.SerializeToElement(entry.Value, ErrorDataType);
                (data ??= new Dictionary<string, JsonElement>(ex.Data.Count, StringComparer.Ordinal))[key] = value;
            }
            catch (Exception serializing) when (serializing is JsonException or NotSupportedException)
            {
                // The SDK leaves out what does not serialize.
            }
        }

        return data;
    }

    /// <summary>Writes the response around the typed result directly, without building a JSON tree of it first.</summary>
    private static byte[] SerializeResult(RequestId id, CallToolResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WritePropertyName("id"u8);
            JsonSerializer.Serialize(writer, id, RequestIdType);
            writer.WritePropertyName("result"u8);
            JsonSerializer.Serialize(writer, result, ResultType);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] SerializeError(RequestId id, int code, string message, Dictionary<string, JsonElement>? data) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonRpcError { Id = id, Error = new JsonRpcErrorDetail { Code = code, Message = message, Data = data } }, MessageType);

    private sealed class FilterVerdict(McpServerOptions options, bool apply)
    {
        public McpServerOptions Options { get; } = options;

        public bool Apply { get; } = apply;
    }

    [LoggerMessage(EventId = 2010, EventName = "DirectToolCallFailed", Level = LogLevel.Error, Message = "tools/call answered by the HTTP front failed (correlation {CorrelationId})")]
    private static partial void LogFailed(ILogger logger, string correlationId, Exception exception);
}
