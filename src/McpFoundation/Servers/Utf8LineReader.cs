namespace McpFoundation.Servers;

/// <summary>
/// Reads newline-delimited lines from a stream as UTF-8 bytes, with blocking reads. The JSON parser takes the bytes as
/// they are, so no line is decoded to a string and encoded back (which <see cref="StreamReader.ReadLine"/> would cost).
/// A line ends at <c>\n</c>; a <c>\r</c> before it is dropped. Not thread-safe: one reader thread owns it.
/// </summary>
internal sealed class Utf8LineReader(Stream stream, int initialCapacity = 16 * 1024)
{
    private byte[] _buffer = new byte[initialCapacity];
    private int _start;
    private int _end;

    /// <summary>
    /// Reads the next line. Returns false at the end of the stream; an unterminated last line is still returned.
    /// The memory is valid until the next call.
    /// </summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
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

                line = new ReadOnlyMemory<byte>(_buffer, _start, length);
                _start = newline + 1;
                return true;
            }

            scanned = _end;
            MakeRoom(ref scanned);
            int read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                line = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                _start = _end;
                return line.Length > 0;
            }

            _end += read;
        }
    }

    /// <summary>Moves the unread bytes to the front, and doubles the buffer when they fill it.</summary>
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
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }
}
