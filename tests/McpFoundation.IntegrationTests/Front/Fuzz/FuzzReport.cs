using System.Collections.Concurrent;
using System.Text;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>What a fuzz run saw: answers by HTTP status class and by JSON-RPC code, and every failure with its frame.</summary>
internal sealed class FuzzReport(int seed)
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<string> _notes = new();
    private readonly ConcurrentDictionary<string, InternalErrorShape> _internalErrors = new(StringComparer.Ordinal);
    private long _frames;

    public int Seed { get; } = seed;

    public long Frames => Interlocked.Read(ref _frames);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Gets answers worth a look that are not failures (an internal error to a malformed frame), with their frames.</summary>
    public IReadOnlyCollection<string> Notes => _notes;

    /// <summary>Counts one frame and its outcome.</summary>
    public void Count(string front, string outcome)
    {
        Interlocked.Increment(ref _frames);
        Tally(front, outcome);
    }

    /// <summary>Counts an outcome that is not a frame of its own (an error answer seen on the way).</summary>
    public void Tally(string front, string outcome) => _counts.AddOrUpdate(front + " " + outcome, 1, static (_, n) => n + 1);

    public void Fail(string front, string what, string kind, byte[] body)
    {
        if (_failures.Count < 50)
        {
            _failures.Enqueue($"{front} {what} [{kind}] frame: {Printable(body)}");
        }
    }

    public void Note(string what, string kind, byte[] body)
    {
        if (_notes.Count < 20)
        {
            _notes.Enqueue($"{what} [{kind}] frame: {Printable(body)}");
        }
    }

    /// <summary>
    /// Records an answer -32603 (internal error: an exception escaped a handler) to a fuzzed frame, by its shape
    /// (front, mutation, method, error message), keeping the first frame of each shape.
    /// </summary>
    public void InternalError(string front, string kind, string? method, string message, byte[] body)
    {
        string shape = $"{front} [{kind}] method {method ?? "(unreadable)"}: {message}";
        if (_internalErrors.Count < 200 || _internalErrors.ContainsKey(shape))
        {
            _internalErrors.GetOrAdd(shape, static (_, frame) => new InternalErrorShape(Printable(frame)), body).Add();
        }
    }

    /// <summary>Gets the number of -32603 answers seen, on both fronts.</summary>
    public int InternalErrorCount => _internalErrors.Values.Sum(s => s.Count);

    /// <summary>The -32603 answers, one line per shape: how many, and the first frame.</summary>
    public IEnumerable<string> InternalErrors() =>
        _internalErrors.OrderByDescending(p => p.Value.Count).Select(p => $"-32603 x{p.Value.Count} {p.Key} first frame: {p.Value.FirstFrame}");

    public string Summary()
    {
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"seed {Seed}, {Frames} frames; ");
        text.AppendJoin(", ", _counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));
        return text.ToString();
    }

    public static string Printable(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        return text.Length > 400 ? text[..400] + $"... ({body.Length} bytes, base64 head {Convert.ToBase64String(body.AsSpan(0, Math.Min(body.Length, 120)))})" : text + $" (base64 {Convert.ToBase64String(body)})";
    }

    private sealed class InternalErrorShape(string firstFrame)
    {
        private int _count;

        public string FirstFrame { get; } = firstFrame;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }
}
