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
/// The first look at every request to the MCP endpoint: a POST's Content-Type, size and body are checked
/// (<see cref="FrameGuard"/>) before the fast path or the SDK parses anything, and a malformed one gets its JSON-RPC
/// error with the status the Streamable HTTP transport gives it (400, 413, 415); the rest of an oversized body is
/// read and discarded, within a bound, so that its client reads the 413 (<see cref="OversizedBodyDrain"/>). The body is read in the request's own
/// buffer and left unconsumed, so what follows reads it afresh without a copy. Whatever the SDK still throws on a
/// request an attacker shaped becomes a 400 with a JSON-RPC error instead of a 500 (logged at Information).
/// </summary>
internal sealed partial class FrameGuardFilter(HttpFrontSettings settings, TimeProvider timeProvider, ILogger<FrameGuardFilter> logger) : IEndpointFilter
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>();
    private readonly FrameLimits _limits = settings.Frames;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method) && await TryRejectBodyAsync(http) is { } rejection)
        {
            LogRejected(logger, rejection.HttpStatus, rejection.Code, rejection.Message);
            await WriteErrorAsync(http, rejection);
            return Results.Empty;
        }

        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted)
        {
            // The request passed the frame checks and still made the SDK throw: the client shaped it, so it is the
            // client's error (400), said in JSON-RPC, not an opaque 500.
            var failure = ex is BadHttpRequestException bad
                ? new FrameRejection(bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? FrameProblem.TooLarge : FrameProblem.InvalidRequest, TooLargeOr(bad))
                : new FrameRejection(FrameProblem.InvalidRequest, "Invalid request: the gateway could not process this message; check it against the MCP specification (method, params and headers).");
            LogSdkFailed(logger, http.Request.Method, ex);
            await WriteErrorAsync(http, failure);
            return Results.Empty;
        }
    }

    private string TooLargeOr(BadHttpRequestException bad) => bad.StatusCode == StatusCodes.Status413PayloadTooLarge
        ? $"The request body is larger than the gateway accepts ({_limits.MaxBytes} bytes, http.max_request_bytes): send a smaller message."
        : "Invalid request: the HTTP request could not be read (" + bad.Message + ").";

    /// <summary>Checks a POST's Content-Type and body; null when it may go on. The body stays unconsumed unless refused.</summary>
    private async ValueTask<FrameRejection?> TryRejectBodyAsync(HttpContext http)
    {
        HttpRequest request = http.Request;
        if (!IsJsonUtf8(request.ContentType))
        {
            return new FrameRejection(FrameProblem.UnsupportedMediaType, "Unsupported Media Type: send the message with Content-Type: application/json (UTF-8).");
        }

        // The gateway enforces the body limit itself (below) and lets Kestrel read up to the drain bound, so that an
        // oversized body can be discarded and its client reads the 413 (OversizedBodyDrain).
        OversizedBodyDrain.AllowDrain(http, _limits.MaxBytes);
        if (request.ContentLength > _limits.MaxBytes)
        {
            await OversizedBodyDrain.DrainAsync(http, 0, _limits.MaxBytes, timeProvider);
            return new FrameRejection(FrameProblem.TooLarge, $"The request body is {request.ContentLength} bytes, more than the gateway accepts ({_limits.MaxBytes} bytes, http.max_request_bytes): send a smaller message.");
        }

        PipeReader body = request.BodyReader;
        ReadResult read;
        try
        {
            while (true)
            {
                read = await body.ReadAsync(http.RequestAborted);
                if (read.Buffer.Length > _limits.MaxBytes)
                {
                    long consumed = read.Buffer.Length;
                    body.AdvanceTo(read.Buffer.End);
                    await OversizedBodyDrain.DrainAsync(http, consumed, _limits.MaxBytes, timeProvider);
                    return new FrameRejection(FrameProblem.TooLarge, $"The request body is more than the gateway accepts ({_limits.MaxBytes} bytes, http.max_request_bytes): send a smaller message.");
                }

                if (read.IsCompleted || read.IsCanceled)
                {
                    break;
                }

                body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            if (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol))
            {
                http.Response.Headers.Connection = "close";
            }

            return new FrameRejection(FrameProblem.TooLarge, TooLargeOr(ex));
        }

        if (FrameGuard.TryReject(read.Buffer, _limits, out FrameRejection rejection))
        {
            body.AdvanceTo(read.Buffer.End);
            return rejection;
        }

        body.AdvanceTo(read.Buffer.Start);
        return null;
    }

    /// <summary>
    /// Whether the Content-Type is JSON as the gateway reads it: <c>application/json</c>, with no parameter but a UTF-8
    /// charset. Other types would make the SDK throw (it reads only JSON types) or transcode.
    /// </summary>
    internal static bool IsJsonUtf8(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        ReadOnlySpan<char> rest = contentType;
        int semicolon = rest.IndexOf(';');
        ReadOnlySpan<char> mediaType = (semicolon < 0 ? rest : rest[..semicolon]).Trim();
        if (!mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        rest = semicolon < 0 ? default : rest[(semicolon + 1)..];
        while (!rest.IsEmpty)
        {
            semicolon = rest.IndexOf(';');
            ReadOnlySpan<char> parameter = (semicolon < 0 ? rest : rest[..semicolon]).Trim();
            rest = semicolon < 0 ? default : rest[(semicolon + 1)..];
            if (parameter.IsEmpty)
            {
                continue;
            }

            int equals = parameter.IndexOf('=');
            if (equals < 0 || !parameter[..equals].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            ReadOnlySpan<char> charset = parameter[(equals + 1)..].Trim().Trim('"');
            if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Answers a request to the MCP endpoint that none of its routes takes (another HTTP method, a POST that is not
    /// JSON): 405 with the methods it takes, or 415, each with a JSON-RPC error.
    /// </summary>
    internal static Task WriteUnroutableAsync(HttpContext http)
    {
        if (HttpMethods.IsPost(http.Request.Method))
        {
            return WriteErrorAsync(http, new FrameRejection(FrameProblem.UnsupportedMediaType, "Unsupported Media Type: send the message with Content-Type: application/json (UTF-8)."));
        }

        http.Response.Headers.Allow = "GET, POST, DELETE";
        return WriteErrorAsync(http, new FrameRejection(FrameProblem.InvalidRequest, $"Method Not Allowed: the MCP endpoint takes POST (a message), GET (the session's event stream) and DELETE (end the session), not {http.Request.Method}."), StatusCodes.Status405MethodNotAllowed);
    }

    internal static async Task WriteErrorAsync(HttpContext http, FrameRejection rejection, int? status = null)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(rejection.ToError(), MessageType);
        http.Response.StatusCode = status ?? rejection.HttpStatus;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    [LoggerMessage(EventId = 3400, EventName = "FrameRejected", Level = LogLevel.Debug, Message = "HTTP front refused a message: {Status}, {Code}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int status, int code, string reason);

    [LoggerMessage(EventId = 3401, EventName = "SdkRejectedRequest", Level = LogLevel.Information, Message = "The MCP SDK failed on a {Method} request a client shaped; answered 400 instead of 500")]
    private static partial void LogSdkFailed(ILogger logger, string method, Exception exception);
}
