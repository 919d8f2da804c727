using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// Rewrites the message of the SDK's JSON-RPC error responses about sessions into the gateway's words
/// (<see cref="SdkErrorWording"/>), keeping the HTTP status, the code and everything else in the body. Only requests
/// that can get such an error are watched (no session header, or a session this gateway does not know), so the
/// requests of established sessions and of stateless 2026-07-28 clients reach the SDK's response body untouched.
/// </summary>
internal sealed class SdkErrorWordingFilter(SessionRegistry sessions) : IEndpointFilter
{
    private const string SessionIdHeader = "Mcp-Session-Id";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        if (!MayGetSessionError(http.Request))
        {
            return await next(context);
        }

        IHttpResponseBodyFeature original = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var capture = new ErrorBodyCapture(http.Response, original.Stream);
        var watched = new StreamResponseBodyFeature(capture, original);
        http.Features.Set<IHttpResponseBodyFeature>(watched);
        object? result;
        try
        {
            result = await next(context);
            await watched.Writer.FlushAsync(http.RequestAborted);
        }
        finally
        {
            http.Features.Set(original);
        }

        if (capture.Captured is { } body)
        {
            byte[] rewritten = Rewrite(body);
            http.Response.ContentLength = rewritten.Length;
            await original.Stream.WriteAsync(rewritten, http.RequestAborted);
        }

        return result;
    }

    private bool MayGetSessionError(HttpRequest request)
    {
        string? sessionId = request.Headers[SessionIdHeader];
        if (!string.IsNullOrEmpty(sessionId))
        {
            return !sessions.TryGet(sessionId, out _);
        }

        // A stateless client of the 2026 revision names it on every request; it is never asked for a session.
        string? version = request.Headers[ProtocolVersionHeader];
        return version is null || !(version.StartsWith("2026", StringComparison.Ordinal) || version.StartsWith("DRAFT-2026", StringComparison.Ordinal));
    }

    private static byte[] Rewrite(byte[] body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject { } message
                && message["error"] is JsonObject error
                && error["message"] is JsonValue text
                && text.TryGetValue(out string? sdkMessage)
                && SdkErrorWording.Translate(sdkMessage) is { } ours)
            {
                error["message"] = ours;
                return JsonSerializer.SerializeToUtf8Bytes(message);
            }
        }
        catch (JsonException)
        {
            // Not a JSON-RPC error after all: sent as it was.
        }

        return body;
    }

    /// <summary>
    /// Holds back a JSON error response (status 400 or more, a JSON content type) so that its message can be
    /// rewritten; any other response goes through as it is written.
    /// </summary>
    private sealed class ErrorBodyCapture(HttpResponse response, Stream inner) : Stream
    {
        private const int MaxCaptured = 64 * 1024;
        private MemoryStream? _buffer;
        private bool _decided;

        public byte[]? Captured => _buffer?.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Capturing(buffer.Length))
            {
                _buffer!.Write(buffer);
                return;
            }

            if (Release() is { } held)
            {
                inner.Write(held);
            }

            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Capturing(buffer.Length))
            {
                _buffer!.Write(buffer.Span);
                return;
            }

            if (Release() is { } held)
            {
                await inner.WriteAsync(held, cancellationToken);
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
            if (_buffer is null)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => _buffer is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>A body too long to be one of the SDK's errors: what was held goes out, the rest goes through.</summary>
        private byte[]? Release()
        {
            byte[]? held = _buffer?.ToArray();
            _buffer = null;
            return held;
        }

        private bool Capturing(int count)
        {
            if (!_decided)
            {
                _decided = true;
                if (response.StatusCode >= StatusCodes.Status400BadRequest && response.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
                {
                    _buffer = new MemoryStream();
                }
            }

            return _buffer is not null && _buffer.Length + count <= MaxCaptured;
        }
    }
}
