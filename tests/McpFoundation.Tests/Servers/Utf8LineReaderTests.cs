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

    /// <summary>A stream that returns one byte per read, as a slow pipe may.</summary>
    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));
    }
}
