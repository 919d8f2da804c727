using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpFoundation.Front.Frames;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// On the SDK's path only (after the fast path declined a POST): a request whose params the SDK could not read (a
/// number for a tool's name, a required member missing) gets 400 with -32602 and the member to fix
/// (<see cref="RequestParamsCheck"/>), where the SDK would answer -32603 "An error occurred.". The body is read in the
/// request's own buffer and left unconsumed for the SDK.
/// </summary>
internal sealed partial class RequestParamsFilter(ILogger<RequestParamsFilter> logger) : IEndpointFilter
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method) && await TryRejectAsync(http) is { } rejection)
        {
            LogRejected(logger, rejection.Code, rejection.Message);
            await FrameGuardFilter.WriteErrorAsync(http, rejection);
            return Results.Empty;
        }

        return await next(context);
    }

    private static async ValueTask<FrameRejection?> TryRejectAsync(HttpContext http)
    {
        PipeReader body = http.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            // FrameGuardFilter has bounded the body and buffered it already: this does not wait for the client.
            read = await body.ReadAsync(http.RequestAborted);
            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        FrameRejection? rejection = null;
        try
        {
            var reader = new Utf8JsonReader(read.Buffer);
            if (JsonSerializer.Deserialize(ref reader, MessageType) is JsonRpcRequest request && RequestParamsCheck.TryReject(request, out FrameRejection refused))
            {
                rejection = refused;
            }
        }
        catch (JsonException)
        {
            // Not a message the SDK reads: it answers that itself.
        }

        body.AdvanceTo(read.Buffer.Start);
        return rejection;
    }

    [LoggerMessage(EventId = 3404, EventName = "RequestParamsRejected", Level = LogLevel.Debug, Message = "HTTP front refused a request's params: {Code}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int code, string reason);
}
