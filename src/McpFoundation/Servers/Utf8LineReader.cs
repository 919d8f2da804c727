using System.Globalization;

namespace McpFoundation.Servers;

/// <summary>
/// Reads newline-delimited lines from a stream as UTF-8 bytes, with blocking reads. The JSON parser takes the bytes as
/// they are, so no line is decoded to a string and encoded back (which <see cref="StreamReader.ReadLine"/> would cost).
/// A line ends at <c>\n</c>; a <c>\r</c> before it is dropped. Not thread-safe: one reader thread owns it.
/// </summary>
/// <remarks>
/// A line may be at most <see cref="MaxLineBytes"/> long: the buffer never grows past that (plus its line ending), so a
/// server that prints one endless line cannot make the gateway's memory grow without bound. A line over the limit
/// throws <see cref="LineTooLongException"/>, and the reader lets go of its buffer: it is not meant to be read further.
/// A buffer that grew for one large (legal) line is given back before the next read, so one big message does not pin
/// memory for the life of the connection.
/// </remarks>
internal sealed class Utf8LineReader
{
    /// <summary>The default longest line: 16 MiB (one JSON-RPC message, e.g. a resource with a large blob).</summary>
    public const int DefaultMaxLineBytes = 16 * 1024 * 1024;

    /// <summary>The buffer a reader starts with.</summary>
    public const int DefaultInitialCapacity = 16 * 1024;

    /// <summary>A buffer that grew past this for one line goes back to the initial size before the next read.</summary>
    public const int RetainedCapacity = 1024 * 1024;

    private readonly Stream _stream;
    private readonly int _initialCapacity;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public Utf8LineReader(Stream stream, int maxLineBytes = DefaultMaxLineBytes, int initialCapacity = DefaultInitialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLineBytes, Array.MaxLength - 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        _stream = stream;
        MaxLineBytes = maxLineBytes;

        // Room for the longest line and its "\r\n"; never more.
        _initialCapacity = Math.Min(initialCapacity, maxLineBytes + 2);
        _buffer = new byte[_initialCapacity];
    }

    /// <summary>Gets the longest line, in bytes without its line ending, this reader returns.</summary>
    public int MaxLineBytes { get; }

    /// <summary>Gets the size of the buffer now (for tests: it is bounded by the limit and shrinks after a large line).</summary>
    internal int Capacity => _buffer.Length;

    /// <summary>
    /// Reads the next line. Returns false at the end of the stream; an unterminated last line is still returned.
    /// The memory is valid until the next call.
    /// </summary>
    /// <exception cref="LineTooLongException">The line is longer than <see cref="MaxLineBytes"/>; no more lines can be read.</exception>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        ShrinkAfterLargeLine();
        int scanned = _start;
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (newline >= 0)
            {
                int length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                {
                    length--;
                }

                ThrowIfTooLong(length);
                line = new ReadOnlyMemory<byte>(_buffer, _start, length);
                _start = newline + 1;
                return true;
            }

            // No line ending yet: what is buffered is the start of one line. A "\r" at its end may still be the line
            // ending's first half, so it does not count.
            int pending = _end - _start;
            ThrowIfTooLong(pending > 0 && _buffer[_end - 1] == (byte)'\r' ? pending - 1 : pending);
            scanned = _end;
            MakeRoom(ref scanned);
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                ThrowIfTooLong(_end - _start);
                line = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                _start = _end;
                return line.Length > 0;
            }

            _end += read;
        }
    }

    private void ThrowIfTooLong(int length)
    {
        if (length > MaxLineBytes)
        {
            // The oversized line is not kept, and nothing after it can be framed reliably: the reader is finished.
            _buffer = [];
            _start = _end = 0;
            throw new LineTooLongException(MaxLineBytes);
        }
    }

    /// <summary>Moves the unread bytes to the front, and doubles the buffer (up to the limit) when they fill it.</summary>
    private void MakeRoom(ref int scanned)
    {
        if (_start > 0)
        {
            int unread = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            scanned -= _start;
            _start = 0;
            _end = unread;
        }

        if (_end == _buffer.Length)
        {
            // The longest legal line is MaxLineBytes plus "\r\n": a buffer that would reach the limit goes straight to
            // that size (no step just below it). A full buffer of that size holds no legal line, and the check before
            // the next read throws.
            long doubled = (long)_buffer.Length * 2;
            int capacity = doubled >= MaxLineBytes ? MaxLineBytes + 2 : (int)doubled;
            Array.Resize(ref _buffer, capacity);
        }
    }

    /// <summary>Gives back a buffer that one large line made large, once the unread bytes fit a small one again.</summary>
    private void ShrinkAfterLargeLine()
    {
        int unread = _end - _start;
        if (_buffer.Length <= Math.Max(RetainedCapacity, _initialCapacity) || unread > _initialCapacity)
        {
            return;
        }

        byte[] small = new byte[_initialCapacity];
        Buffer.BlockCopy(_buffer, _start, small, 0, unread);
        _buffer = small;
        _start = 0;
        _end = unread;
    }
}

/// <summary>A line was longer than the reader's limit (<see cref="Utf8LineReader.MaxLineBytes"/>).</summary>
internal sealed class LineTooLongException(int limit)
    : IOException($"A line was longer than {DescribeSize(limit)} (the limit).")
{
    /// <summary>Gets the limit, in bytes.</summary>
    public int Limit { get; } = limit;

    /// <summary>Formats a byte count as people read it: "16 MiB", "512 KiB", "100 bytes".</summary>
    public static string DescribeSize(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MiB",
        >= 1024 when bytes % 1024 == 0 => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}
