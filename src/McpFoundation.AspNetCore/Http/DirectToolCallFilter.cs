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
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// Answers a plain <c>tools/call</c> of an established Streamable HTTP session on the request's own thread, through the
/// same pipeline and router as every other request, and writes the JSON-RPC response as <c>application/json</c>.
/// The SDK's transport would hand the request to the session's message loop, force a yield, and hand the response
/// back to the POST's event stream: three thread hand-offs per call, which is most of what a call costs (measured,
/// docs/PERFORMANCE.md). Anything this filter is not sure of goes to the SDK unchanged.
/// </summary>
internal sealed partial class DirectToolCallFilter(
    SessionRegistry sessions,
    ToolRegistry tools,
    IOptions<McpFoundationHttpOptions> options,
    ILogger<DirectToolCallFilter> logger) : IEndpointFilter
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly JsonTypeInfo<CallToolRequestParams> ParamsType = (JsonTypeInfo<CallToolRequestParams>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolRequestParams));
    private static readonly JsonTypeInfo<RequestId> RequestIdType = (JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId));
    private static readonly JsonTypeInfo<CallToolResult> ResultType = (JsonTypeInfo<CallToolResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult));
    private static readonly TimeSpan CancelledRequestHold = TimeSpan.FromSeconds(60);
    private const long MaxBodyBytes = 1024 * 1024; // larger requests take the SDK's path
    private readonly bool _enabled = options.Value.DirectToolCalls;
    private long _answered;

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
        if (call is null || !IsPlain(call) || call.Params.Deserialize(ParamsType) is not { } parameters)
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
            || session.UserId != SessionRegistry.UserIdOf(http.User)
            || !request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase))
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

    private static JsonRpcRequest? TryParseToolCall(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment && body.FirstSpan.IndexOf("\"tools/call\""u8) < 0)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            return JsonSerializer.Deserialize(ref reader, MessageType) as JsonRpcRequest;
        }
        catch (JsonException)
        {
            return null; // the SDK reports malformed input in its own words
        }
    }

    /// <summary>A tools/call without progress or multi-round-trip state: nothing needs the SDK's event stream.</summary>
    private static bool IsPlain(JsonRpcRequest call) =>
        call.Method == RequestMethods.ToolsCall
        && call.Params is JsonObject parameters
        && parameters["_meta"]?["progressToken"] is null
        && !parameters.ContainsKey("requestState")
        && !parameters.ContainsKey("inputResponses");

    /// <summary>Makes the call; returns the JSON-RPC response's bytes, or null when the client cancelled it.</summary>
    private async Task<byte[]?> CallAsync(ClientSession session, JsonRpcRequest call, CallToolRequestParams parameters, CancellationToken aborted)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        using IDisposable registration = session.TrackDirectRequest(call.Id, cancellation);
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall) { Session = session, User = session.User, Meta = call.Params?["_meta"] as JsonObject };
        try
        {
            CallToolResult result = await tools.CallToolAsync(context, parameters, session.Server, cancellation.Token);
            return SerializeResult(call.Id, result);
        }
        catch (McpProtocolException ex)
        {
            return SerializeError(call.Id, (int)ex.ErrorCode, ex.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            LogFailed(logger, context.CorrelationId, ex);
            return SerializeError(call.Id, GatewayErrorCodes.InternalError, $"An error occurred (correlation id {context.CorrelationId}).");
        }
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

    private static byte[] SerializeError(RequestId id, int code, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonRpcError { Id = id, Error = new JsonRpcErrorDetail { Code = code, Message = message } }, MessageType);

    [LoggerMessage(EventId = 2010, EventName = "DirectToolCallFailed", Level = LogLevel.Error, Message = "tools/call answered by the HTTP front failed (correlation {CorrelationId})")]
    private static partial void LogFailed(ILogger logger, string correlationId, Exception exception);
}
