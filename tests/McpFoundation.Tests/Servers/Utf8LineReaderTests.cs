using System.Text;
using McpFoundation.Servers;

namespace McpFoundation.Tests.Servers;

[Trait("Category", "Unit")]
public sealed class Utf8LineReaderTests
{
    [Fact]
    public void TryReadLine_SplitsOnNewlineAndDropsCarriageReturn()
    {
        var reader = new Utf8LineReader(Stream("{\"a\":1}\n{\"b\":2}\r\n\nlast"));

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "", "last"], ReadAll(reader));
    }

    [Fact]
    public void TryReadLine_LineLongerThanTheBuffer_IsReturnedWhole()
    {
        string longLine = new('x', 10_000);
        var reader = new Utf8LineReader(Stream($"short\n{longLine}\nafter\n"), initialCapacity: 16);

        Assert.Equal(["short", longLine, "after"], ReadAll(reader));
    }

    [Fact]
    public void TryReadLine_LinesArrivingOneByteAtATime_AreReassembled()
    {
        var reader = new Utf8LineReader(new OneByteStream(Encoding.UTF8.GetBytes("héllo\nwörld\n")), initialCapacity: 4);

        Assert.Equal(["héllo", "wörld"], ReadAll(reader));
    }

    [Fact]
    public void TryReadLine_EmptyStream_ReturnsFalse()
    {
        var reader = new Utf8LineReader(Stream(""));

        Assert.False(reader.TryReadLine(out _));
    }

    [Fact]
    public void TryReadLine_LineOfExactlyTheLimit_IsReturned()
    {
        var reader = new Utf8LineReader(Stream("12345678\r\nabc\n"), maxLineBytes: 8, initialCapacity: 2);

        Assert.Equal(["12345678", "abc"], ReadAll(reader));
        Assert.True(reader.Capacity <= 10);
    }

    [Theory]
    [InlineData("123456789\n")]
    [InlineData("123456789")]
    [InlineData("ok\n1234567890123")]
    public void TryReadLine_LineOverTheLimit_ThrowsLineTooLongAndLetsGoOfTheBuffer(string text)
    {
        var reader = new Utf8LineReader(Stream(text), maxLineBytes: 8, initialCapacity: 2);

        LineTooLongException tooLong = Assert.Throws<LineTooLongException>(() => ReadAll(reader));

        Assert.Equal(8, tooLong.Limit);
        Assert.Contains("8 bytes", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(0, reader.Capacity);
    }

    [Fact]
    [Trait("Category", "Security")]
    public void TryReadLine_EndlessLine_StopsAtTheLimitWithBoundedMemory()
    {
        const int Limit = 1024 * 1024;
        var endless = new EndlessStream((byte)'a');
        var reader = new Utf8LineReader(endless, maxLineBytes: Limit);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<LineTooLongException>(() => reader.TryReadLine(out _));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.InRange(endless.Position, Limit, Limit + 2);
        Assert.InRange(allocated, 0, 4L * Limit); // doubling up to the limit: about 3x the limit, however long the line
    }

    [Fact]
    public void TryReadLine_AfterALargeLine_ShrinksTheBufferBack()
    {
        string large = new('x', 3 * Utf8LineReader.RetainedCapacity);
        var reader = new Utf8LineReader(Stream($"{large}\nsmall\n"), initialCapacity: 1024);

        Assert.True(reader.TryReadLine(out ReadOnlyMemory<byte> first));
        Assert.Equal(large.Length, first.Length);
        Assert.True(reader.Capacity > Utf8LineReader.RetainedCapacity);
        Assert.True(reader.TryReadLine(out ReadOnlyMemory<byte> second));

        Assert.Equal("small", Encoding.UTF8.GetString(second.Span));
        Assert.Equal(1024, reader.Capacity);
    }

    [Fact]
    public void LineTooLongException_DescribeSize_UsesBinaryUnits()
    {
        Assert.Equal("16 MiB", LineTooLongException.DescribeSize(Utf8LineReader.DefaultMaxLineBytes));
        Assert.Equal("512 KiB", LineTooLongException.DescribeSize(512 * 1024));
        Assert.Equal("1000 bytes", LineTooLongException.DescribeSize(1000));
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    private static List<string> ReadAll(Utf8LineReader reader)
    {
        var lines = new List<string>();
        while (reader.TryReadLine(out ReadOnlyMemory<byte> line))
        {
            lines.Add(Encoding.UTF8.GetString(line.Span));
        }

        return lines;
    }

    /// <summary>A server printing one line that never ends: every read fills the buffer with <c>fill</c>.</summary>
    private sealed class EndlessStream(byte fill) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill(fill);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A stream that returns one byte per read, as a slow pipe may.</summary>
    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));
    }
}
