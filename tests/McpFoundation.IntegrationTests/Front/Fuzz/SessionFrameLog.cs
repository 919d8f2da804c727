using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>
/// What the HTTP workers of one session sent: the last frames of each worker, the requests in flight, and every
/// <c>notifications/cancelled</c> that named the id of a request another worker had in flight at that moment (after
/// which the specification says that request gets no answer). A timeout's failure message names the session, the
/// request's id and the frames that preceded it.
/// </summary>
internal sealed class SessionFrameLog(string session)
{
    /// <summary>How many of the session's last frames are kept: more than the workers send while one waits <see cref="SlowAfter"/>.</summary>
    private const int Kept = 4096;

    /// <summary>A request still unanswered this long gets the frames around it written down, while they are still kept.</summary>
    public static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, SentFrame> _inFlight = new();
    private readonly SentFrame?[] _kept = new SentFrame?[Kept];
    private long _sequence;

    public string Session { get; } = session;

    /// <summary>Records a frame as it is sent; call <see cref="Done"/> when its answer (or its timeout) came.</summary>
    public SentFrame Sent(int worker, FuzzFrame frame)
    {
        (string? method, string? id, string? cancels) = Read(frame.Body);
        var sent = new SentFrame(Interlocked.Increment(ref _sequence), worker, Stopwatch.GetTimestamp(), frame, method, id);
        Volatile.Write(ref _kept[sent.Sequence % Kept], sent);

        // A cancellation that reaches this session names the requests in flight with that id (from other workers:
        // a worker waits for each answer before it sends its next frame).
        if (cancels is not null && frame.Session == SessionChoice.Valid && frame.Method == "POST")
        {
            foreach (SentFrame other in _inFlight.Values)
            {
                if (other.Worker != worker && other.Id == cancels)
                {
                    other.CancelledBy(sent);
                }
            }
        }

        _inFlight[sent.Sequence] = sent;
        return sent;
    }

    public void Done(SentFrame sent) => _inFlight.TryRemove(sent.Sequence, out _);

    /// <summary>Writes down, on the slow request, the frames every worker of the session sent just before it and since.</summary>
    public void Slow(SentFrame sent)
    {
        var text = new StringBuilder();
        foreach (SentFrame frame in _kept.OfType<SentFrame>().Where(f => f.Sequence >= sent.Sequence - 24).OrderBy(f => f.Sequence).Take(200))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n    #{frame.Sequence} worker {frame.Worker} +{Stopwatch.GetElapsedTime(sent.Timestamp, frame.Timestamp).TotalMilliseconds:F1} ms [{frame.Frame.Kind}] {frame.Frame.Method} session={frame.Frame.Session} {Short(frame.Frame.Body)}");
        }

        sent.Around = text.ToString();
    }

    /// <summary>The failure message of a request that got no answer: session, id, cancellations naming it, and the frames around it.</summary>
    public string DescribeTimeout(SentFrame sent)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"session {Session}: worker {sent.Worker}'s frame #{sent.Sequence} (method {sent.Method ?? "?"}, id {sent.Id ?? "none"}) got no answer; ");
        IReadOnlyList<SentFrame> cancellations = sent.Cancellations;
        text.Append(cancellations.Count == 0
            ? "no frame of another worker cancelled that id while it was in flight."
            : $"cancelled while in flight by {string.Join(", ", cancellations.Select(c => $"worker {c.Worker}'s frame #{c.Sequence} {Short(c.Frame.Body)}"))}.");
        text.Append("\n  the session's frames from 24 before it (first 200):");
        text.Append(sent.Around ?? " (not written down)");
        return text.ToString();
    }

    private static string Short(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        return text.Length > 200 ? text[..200] + $"... ({body.Length} bytes)" : text;
    }

    /// <summary>The method, the id (raw JSON) and, for a cancellation, the request id it names (raw JSON) of a frame that parses.</summary>
    internal static (string? Method, string? Id, string? Cancels) Read(byte[] body)
    {
        if (body.AsSpan().IndexOf("\"method\""u8) < 0 && body.AsSpan().IndexOf("\"id\""u8) < 0)
        {
            return (null, null, null);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, null);
            }

            string? method = root.TryGetProperty("method", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            string? id = root.TryGetProperty("id", out JsonElement i) ? i.GetRawText() : null;
            string? cancels = method == "notifications/cancelled" && root.TryGetProperty("params", out JsonElement p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("requestId", out JsonElement r) ? r.GetRawText() : null;
            return (method, id, cancels);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is not UTF-8 (GetString throws InvalidOperationException).
            return (null, null, null);
        }
    }
}

/// <summary>One frame a worker sent, and the cancellations from other workers that named its id while it was in flight.</summary>
internal sealed class SentFrame(long sequence, int worker, long timestamp, FuzzFrame frame, string? method, string? id)
{
    private readonly ConcurrentQueue<SentFrame> _cancellations = new();

    public long Sequence { get; } = sequence;

    public int Worker { get; } = worker;

    public long Timestamp { get; } = timestamp;

    public FuzzFrame Frame { get; } = frame;

    public string? Method { get; } = method;

    public string? Id { get; } = id;

    public IReadOnlyList<SentFrame> Cancellations => [.. _cancellations];

    /// <summary>Gets or sets the frames of the session around this one, written down when it was slow to be answered.</summary>
    public string? Around { get; set; }

    public void CancelledBy(SentFrame cancellation) => _cancellations.Enqueue(cancellation);
}
