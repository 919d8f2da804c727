using System.Buffers;
using System.Diagnostics.CodeAnalysis;
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
    private static readonly JsonTypeInfo<IDictionary<string, JsonElement>> ArgumentsType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<IDictionary<string, JsonElement>>();
    private static readonly JsonTypeInfo<JsonObject> MetaType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<JsonObject>();
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
    private const int MaxPlainParamsMembers = 16; // params with more members take the SDK's path
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
        if (!read.IsCompleted || !TryReadToolCall(read.Buffer, out RequestId id, out CallToolRequestParams? parameters) || !IsPlain(parameters))
        {
            body.AdvanceTo(read.Buffer.Start);
            return await next(context);
        }

        body.AdvanceTo(read.Buffer.End);
        Interlocked.Increment(ref _answered);
        ReadOnlyMemory<byte>? answer = await CallAsync(session, id, parameters, http.RequestAborted);
        if (answer is not { } response)
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
    /// Reads a body that is exactly one <c>tools/call</c> request in its plain form, in one pass over the request's
    /// bytes, binding the params straight to <see cref="CallToolRequestParams"/> as the SDK's handler does (its protocol
    /// options), without the JSON tree the SDK's message converter would build first. The object must have the four
    /// members of a request, each once: <c>jsonrpc</c> "2.0", a string or integer <c>id</c>, <c>method</c>
    /// "tools/call" and object <c>params</c> with a <c>name</c>; other members are ignored, as the SDK ignores them,
    /// and nothing may follow the object. Anything else (a notification, a response, another method, a repeated member,
    /// a second value, what does not parse) is the SDK's to answer in its own words.
    /// </summary>
    internal static bool TryReadToolCall(ReadOnlySequence<byte> body, out RequestId id, [NotNullWhen(true)] out CallToolRequestParams? parameters)
    {
        id = default;
        parameters = null;
        if (body.IsSingleSegment && body.FirstSpan.IndexOf("\"tools/call\""u8) < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool version = false, method = false, hasId = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("jsonrpc"u8))
                {
                    if (version || !reader.Read() || reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("2.0"u8))
                    {
                        return false;
                    }

                    version = true;
                }
                else if (reader.ValueTextEquals("method"u8))
                {
                    if (method || !reader.Read() || reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals(RequestMethods.ToolsCall))
                    {
                        return false;
                    }

                    method = true;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    if (hasId || !reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number))
                    {
                        return false;
                    }

                    id = JsonSerializer.Deserialize(ref reader, RequestIdType);
                    hasId = true;
                }
                else if (reader.ValueTextEquals("params"u8))
                {
                    if (parameters is not null || !reader.Read() || reader.TokenType != JsonTokenType.StartObject
                        || TryBindPlainParams(ref reader) is not { Name: not null } bound)
                    {
                        return false;
                    }

                    parameters = bound;
                }
                else if (reader.ValueTextEquals("result"u8) || reader.ValueTextEquals("error"u8))
                {
                    return false; // not a plain request
                }
                else
                {
                    reader.Skip(); // as the SDK's message reader ignores members it does not know
                }
            }

            // The loop ends at the object's end (or a comment, or the input's end); after the object, only whitespace.
            return reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0 && !reader.Read()
                && version && method && hasId && parameters is not null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            parameters = null;
            return false; // the SDK reports malformed input in its own words
        }
    }

    /// <summary>
    /// Binds plain params at <paramref name="reader"/> (on their <c>{</c>; left on their <c>}</c>) to
    /// <see cref="CallToolRequestParams"/>, in the same pass that checks they are plain: at most
    /// <see cref="MaxPlainParamsMembers"/> members, each named once without escapes, neither <c>requestState</c> nor
    /// <c>inputResponses</c> (multi-round-trip state), and a string <c>name</c>; null otherwise, and the SDK answers (a
    /// repeated member makes its parse fail, in its words). <c>name</c>, <c>arguments</c> and <c>_meta</c> are read
    /// member by member with the SDK's contracts of those members; the type's own converter, which goes through its
    /// constructor, takes about twice the time and memory (ToolCallReadingBenchmarks, docs/PERFORMANCE.md), and binds
    /// params that have any other member, as the SDK binds them. Throws what the SDK's binding would.
    /// </summary>
    internal static CallToolRequestParams? TryBindPlainParams(ref Utf8JsonReader reader)
    {
        Utf8JsonReader start = reader;
        string? name = null;
        IDictionary<string, JsonElement>? arguments = null;
        JsonObject? meta = null;
        bool otherMembers = false;

        // Each name's hash: equal hashes count as a repeat, so a collision only sends the call to the SDK.
        Span<int> seen = stackalloc int[MaxPlainParamsMembers];
        int count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (count == MaxPlainParamsMembers || reader.ValueIsEscaped || reader.HasValueSequence
                || reader.ValueTextEquals("requestState"u8) || reader.ValueTextEquals("inputResponses"u8))
            {
                return null;
            }

            var hash = new HashCode();
            hash.AddBytes(reader.ValueSpan);
            int member = hash.ToHashCode();
            if (seen[..count].Contains(member))
            {
                return null;
            }

            seen[count++] = member;
            if (reader.ValueTextEquals("name"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return null; // the SDK's binding fails on a name that is not a string
                }

                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                arguments = JsonSerializer.Deserialize(ref reader, ArgumentsType);
            }
            else if (reader.ValueTextEquals("_meta"u8))
            {
                reader.Read();
                meta = JsonSerializer.Deserialize(ref reader, MetaType);
            }
            else
            {
                otherMembers = true;
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || name is null)
        {
            return null;
        }

        if (otherMembers)
        {
            reader = start;
            return JsonSerializer.Deserialize(ref reader, ParamsType);
        }

        return new CallToolRequestParams { Name = name, Arguments = arguments, Meta = meta };
    }

    /// <summary>A tools/call without progress: nothing needs the SDK's event stream.</summary>
    private static bool IsPlain(CallToolRequestParams parameters) => parameters.Meta?["progressToken"] is null;

    /// <summary>Makes the call; returns the JSON-RPC response's bytes, or null when the client cancelled it.</summary>
    private async Task<ReadOnlyMemory<byte>?> CallAsync(ClientSession session, RequestId id, CallToolRequestParams parameters, CancellationToken aborted)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        using IDisposable registration = session.TrackDirectRequest(id, cancellation);
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall) { Session = session, User = session.User, Meta = parameters.Meta };
        try
        {
            ToolCallAttempt attempt = await tools.TryCallToolAsync(context, parameters, session.Server, cancellation.Token);
            return attempt.Error is { } refused
                ? SerializeError(id, (int)refused.ErrorCode, refused.Message, ErrorData(refused))
                : SerializeResult(id, attempt.Result!);
        }
        catch (McpProtocolException ex)
        {
            return SerializeError(id, (int)ex.ErrorCode, ex.Message, ErrorData(ex));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            // The SDK's words for a failed handler: an McpException's message, otherwise nothing of the exception.
            LogFailed(logger, context.CorrelationId, ex);
            return SerializeError(id, GatewayErrorCodes.InternalError, ex is McpException ? ex.Message : "An error occurred.", data: null);
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
    private static ReadOnlyMemory<byte> SerializeResult(RequestId id, CallToolResult result)
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

        return buffer.WrittenMemory;
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
