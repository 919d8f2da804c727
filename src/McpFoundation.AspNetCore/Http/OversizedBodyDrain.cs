using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// Reads and discards what is left of a request body the gateway refuses as too large, so that the client, which is
/// still sending, reads the 413 instead of a reset connection. Bounded in bytes (<see cref="LimitFor"/>: twice the
/// body limit) and in time (<see cref="MaxDrainTime"/>); past either, or when the body announces more than the bound,
/// nothing more is read and the response closes the connection (<c>Connection: close</c>).
/// </summary>
/// <remarks>
/// Kestrel itself drains an unread body after the response, but it stops (and closes the socket under a client still
/// writing, which the client sees as a reset) as soon as the body exceeds <c>MaxRequestBodySize</c>, which is what an
/// oversized body does. Hence the MCP endpoint raises Kestrel's per-request cap to the drain bound
/// (<see cref="AllowDrain"/>) and enforces the body limit itself.
/// </remarks>
internal static class OversizedBodyDrain
{
    /// <summary>The longest the gateway reads an oversized body before it answers anyway.</summary>
    public static readonly TimeSpan MaxDrainTime = TimeSpan.FromSeconds(5);

    /// <summary>The most bytes of one request body read at all: twice the body limit.</summary>
    public static long LimitFor(int maxBytes) => 2L * maxBytes;

    /// <summary>Raises Kestrel's cap on this request's body to the drain bound, when the body is not being read yet.</summary>
    public static void AllowDrain(HttpContext http, int maxBytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = LimitFor(maxBytes);
        }
    }

    /// <summary>
    /// Discards the rest of the body (<paramref name="alreadyRead"/> bytes are read and consumed); when it could not
    /// be read to its end, marks the response to close the connection (HTTP/1.x).
    /// </summary>
    public static async ValueTask DrainAsync(HttpContext http, long alreadyRead, int maxBytes, TimeProvider timeProvider)
    {
        bool drained = await TryReadToEndAsync(http, alreadyRead, LimitFor(maxBytes), timeProvider);
        if (!drained && (HttpProtocol.IsHttp11(http.Request.Protocol) || HttpProtocol.IsHttp10(http.Request.Protocol)))
        {
            http.Response.Headers.Connection = "close";
        }
    }

    private static async ValueTask<bool> TryReadToEndAsync(HttpContext http, long alreadyRead, long limit, TimeProvider timeProvider)
    {
        if (http.Request.ContentLength > limit)
        {
            return false;
        }

        using var deadline = new CancellationTokenSource(MaxDrainTime, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, http.RequestAborted);
        PipeReader body = http.Request.BodyReader;
        long read = alreadyRead;
        try
        {
            while (true)
            {
                ReadResult result = await body.ReadAsync(linked.Token);
                read += result.Buffer.Length;
                body.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }

                if (read > limit || result.IsCanceled)
                {
                    return false;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (BadHttpRequestException)
        {
            return false;
        }
    }
}
