using System.Buffers;
using System.Text;
using McpFoundation.Front.Frames;

namespace McpFoundation.Tests.Front;

/// <summary>
/// <see cref="FrameGuard"/> on its own: every <see cref="FrameProblem"/> it reports, input split across segments,
/// lone surrogates, each limit at and over its bound, duplicate members, batches, and valid messages of every kind,
/// which pass without allocating.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FrameGuardTests
{
    private static readonly FrameLimits Small = new() { MaxBytes = 4096, MaxDepth = 4, MaxStringLength = 16, MaxArrayItems = 5 };

    public static TheoryData<string> ValidMessages => new()
    {
        """{"jsonrpc":"2.0","id":1,"method":"ping"}""",
        """{"jsonrpc":"2.0","id":"a-string-id","method":"tools/list","params":{"cursor":"c"}}""",
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"h\u00e9llo \ud83d\ude00","n":[1,2.5,-3e2,true,null]},"_meta":{"progressToken":7}}}""",
        """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
        """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"x"}}""",
        """{"jsonrpc":"2.0","id":3,"result":{}}""",
        """{"jsonrpc":"2.0","id":"s","error":{"code":-32601,"message":"no"}}""",
        """ {"method":"ping", "id":4, "jsonrpc":"2.0"} """,
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":{\"text\":\"caf\u00e9 \u20ac \U0001F600\"}}",
    };

    public static TheoryData<string, string, string> Malformed => new()
    {
        { "empty", "", "ParseError" },
        { "truncated", """{"jsonrpc":"2.0","id":1,"method":""", "ParseError" },
        { "trailing data", """{"jsonrpc":"2.0","id":1,"method":"ping"} x""", "ParseError" },
        { "two messages", """{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}""", "ParseError" },
        { "lone high surrogate value", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\ud800"}}""", "ParseError" },
        { "lone low surrogate value", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"x\udc00y"}}""", "ParseError" },
        { "reversed pair", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\ude00\ud83d"}}""", "ParseError" },
        { "lone surrogate property", """{"jsonrpc":"2.0","id":1,"\ud800":1,"method":"ping"}""", "ParseError" },
        { "batch", """[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]""", "InvalidRequest" },
        { "empty batch", "[]", "InvalidRequest" },
        { "number", "42", "InvalidRequest" },
        { "string", "\"ping\"", "InvalidRequest" },
        { "no jsonrpc", """{"id":1,"method":"ping"}""", "InvalidRequest" },
        { "wrong version", """{"jsonrpc":"1.0","id":1,"method":"ping"}""", "InvalidRequest" },
        { "null id", """{"jsonrpc":"2.0","id":null,"method":"ping"}""", "InvalidRequest" },
        { "fractional id", """{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", "InvalidRequest" },
        { "object id", """{"jsonrpc":"2.0","id":{},"method":"ping"}""", "InvalidRequest" },
        { "method not a string", """{"jsonrpc":"2.0","id":1,"method":7}""", "InvalidRequest" },
        { "duplicate method", """{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}""", "InvalidRequest" },
        { "duplicate id", """{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}""", "InvalidRequest" },
        { "duplicate jsonrpc", """{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}""", "InvalidRequest" },
        { "duplicate params", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{},"params":{}}""", "InvalidRequest" },
        { "no method, no result", """{"jsonrpc":"2.0","id":1}""", "InvalidRequest" },
        { "result and error", """{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}""", "InvalidRequest" },
        { "params an array", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}""", "InvalidParams" },
        { "params a string", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"}""", "InvalidParams" },
        { "tools/call without params", """{"jsonrpc":"2.0","id":1,"method":"tools/call"}""", "InvalidParams" },
        { "resources/read with null params", """{"jsonrpc":"2.0","id":1,"method":"resources/read","params":null}""", "InvalidParams" },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void TryReject_ValidMessage_PassesWithoutAllocating(string message)
    {
        byte[] frame = Encoding.UTF8.GetBytes(message);
        Assert.False(FrameGuard.TryReject(frame, FrameLimits.Default, out FrameRejection warmUp), warmUp.Message);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool rejected = FrameGuard.TryReject(frame, FrameLimits.Default, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(rejected);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryReject_MalformedFrame_ProblemAndCode(string name, string message, string expected)
    {
        FrameProblem problem = Enum.Parse<FrameProblem>(expected);
        Assert.True(FrameGuard.TryReject(Encoding.UTF8.GetBytes(message), FrameLimits.Default, out FrameRejection rejection), name);

        Assert.True(problem == rejection.Problem, $"{name}: {rejection.Problem} {rejection.Message}");
        Assert.False(string.IsNullOrWhiteSpace(rejection.Message));
        Assert.Equal(
            problem switch { FrameProblem.ParseError => -32700, FrameProblem.InvalidParams => -32602, _ => -32600 },
            rejection.Code);
        Assert.Equal(400, rejection.HttpStatus);
    }

    [Fact]
    public void TryReject_InvalidUtf8_ParseError()
    {
        byte[] frame = [.. """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":" """u8, 0xC3, 0x28, .. "\"}}"u8];

        Assert.True(FrameGuard.TryReject(frame, FrameLimits.Default, out FrameRejection rejection));
        Assert.Equal(FrameProblem.ParseError, rejection.Problem);
        Assert.Contains("UTF-8", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReject_RefusedRequestWithId_EchoesTheId()
    {
        Assert.True(FrameGuard.TryReject("""{"jsonrpc":"1.0","id":7,"method":"ping"}"""u8.ToArray(), FrameLimits.Default, out FrameRejection rejection));

        Assert.Equal(7L, rejection.ToError().Id.Id);
    }

    [Fact]
    public void TryReject_SplitAtEveryByte_SameVerdictAsWhole()
    {
        // Every split point of a message with multi-byte UTF-8 (2, 3 and 4 bytes), escapes, numbers and names: inside
        // a UTF-8 sequence, inside a token, inside an escape.
        byte[] frame = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":12345,\"method\":\"tools/call\",\"params\":{\"name\":\"caf\u00e9\",\"arguments\":{\"m\":\"\u20ac\U0001F600 \\ud83d\\ude00 \\u00e9\",\"n\":-12.5e3}}}");
        for (int split = 1; split < frame.Length; split++)
        {
            Assert.False(FrameGuard.TryReject(Segments(frame, split), FrameLimits.Default, out FrameRejection rejection), $"split at {split}: {rejection.Message}");
        }

        Assert.False(FrameGuard.TryReject(Segments(frame, [.. Enumerable.Range(1, frame.Length - 1)]), FrameLimits.Default, out _)); // one byte a segment
    }

    [Fact]
    public void TryReject_SplitMalformedFrames_SameProblemAsWhole()
    {
        byte[] lone = """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\ud800"}}"""u8.ToArray();
        byte[] badUtf8 = [.. """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"x"""u8, 0xE2, 0x82, .. "\"}}"u8]; // a 3-byte sequence cut short
        byte[] duplicate = """{"jsonrpc":"2.0","id":1,"method":"ping","method":"ping"}"""u8.ToArray();
        foreach ((byte[] frame, FrameProblem problem) in new[] { (lone, FrameProblem.ParseError), (badUtf8, FrameProblem.ParseError), (duplicate, FrameProblem.InvalidRequest) })
        {
            for (int split = 1; split < frame.Length; split++)
            {
                Assert.True(FrameGuard.TryReject(Segments(frame, split), FrameLimits.Default, out FrameRejection rejection), $"split at {split}");
                Assert.Equal(problem, rejection.Problem);
            }
        }
    }

    [Fact]
    public void TryReject_Utf8SequenceSplitAcrossSegments_Passes()
    {
        byte[] frame = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":\"\U0001F600\"}}");
        int emoji = Array.IndexOf(frame, (byte)0xF0);

        for (int inside = 1; inside < 4; inside++)
        {
            Assert.False(FrameGuard.TryReject(Segments(frame, emoji + inside), FrameLimits.Default, out FrameRejection rejection), rejection.Message);
        }
    }

    [Fact]
    public void TryReject_Size_AtBoundPassesOverBoundTooLarge()
    {
        byte[] message = """{"jsonrpc":"2.0","id":1,"method":"ping"}"""u8.ToArray();
        byte[] atBound = [.. message, .. Enumerable.Repeat((byte)' ', Small.MaxBytes - message.Length)];
        byte[] over = [.. atBound, (byte)' '];

        Assert.False(FrameGuard.TryReject(atBound, Small, out _));
        Assert.True(FrameGuard.TryReject(over, Small, out FrameRejection rejection));
        Assert.Equal(FrameProblem.TooLarge, rejection.Problem);
        Assert.Equal(-31065, rejection.Code);
        Assert.Equal(413, rejection.HttpStatus);
        Assert.Contains("http.max_request_bytes", rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a":1}""", false)] // message 1, params 2, {"a"} 3
    [InlineData("""{"a":[1]}""", false)] // depth 4: the bound
    [InlineData("""{"a":[[1]]}""", true)] // depth 5
    [InlineData("""{"a":{"b":{"c":1}}}""", true)]
    public void TryReject_Depth_AtBoundPassesOverBoundLimitExceeded(string inner, bool refused)
    {
        AssertLimit("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""" + inner + "}}", refused, "http.max_json_depth");
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(17, true)]
    public void TryReject_StringValue_AtBoundPassesOverBoundLimitExceeded(int length, bool refused)
    {
        AssertLimit("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":" """.TrimEnd() + new string('x', length) + "\"}}", refused, "string");
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(17, true)]
    public void TryReject_PropertyName_AtBoundPassesOverBoundLimitExceeded(int length, bool refused)
    {
        AssertLimit("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{" """.TrimEnd() + new string('k', length) + "\":1}}", refused, "string");
    }

    [Fact]
    public void TryReject_StringLengthCountsEscapesAsSent()
    {
        // 3 escapes of 6 bytes: 18 bytes as sent, over 16, though 3 characters decoded.
        AssertLimit("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\u00e9\u00e9\u00e9"}}""", refused: true, "string");
    }

    [Theory]
    [InlineData(5, false)]
    [InlineData(6, true)]
    public void TryReject_ArrayItems_AtBoundPassesOverBoundLimitExceeded(int items, bool refused)
    {
        AssertLimit("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[""" + string.Join(",", Enumerable.Repeat("[]", items)) + "]}}", refused, "http.max_array_items");
    }

    [Fact]
    public void TryReject_NestedArraysCountedEachOnTheirOwn()
    {
        AssertLimit("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[1,2,3,4,5],"b":[1,2,3,4,5]}}""", refused: false, "items");
    }

    [Fact]
    public void TryReject_DuplicateMemberInsideParams_LeftToTheHandler()
    {
        // Only the message's own members must be unique for the guard; params are the method's business.
        Assert.False(FrameGuard.TryReject("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":1,"a":2}}"""u8.ToArray(), FrameLimits.Default, out FrameRejection rejection), rejection.Message);
    }

    [Fact]
    public void FrameRejection_EveryProblem_HasItsCodeAndStatus()
    {
        var expected = new Dictionary<FrameProblem, (int Code, int Status)>
        {
            [FrameProblem.ParseError] = (-32700, 400),
            [FrameProblem.InvalidRequest] = (-32600, 400),
            [FrameProblem.InvalidParams] = (-32602, 400),
            [FrameProblem.TooLarge] = (-31065, 413),
            [FrameProblem.LimitExceeded] = (-31066, 400),
            [FrameProblem.UnsupportedMediaType] = (-32600, 415),
        };

        Assert.Equal(Enum.GetValues<FrameProblem>().Order(), expected.Keys.Order());
        foreach ((FrameProblem problem, (int code, int status)) in expected)
        {
            var rejection = new FrameRejection(problem, "m");
            Assert.Equal(code, rejection.Code);
            Assert.Equal(status, rejection.HttpStatus);
            Assert.Equal(code, rejection.ToError().Error.Code);
        }
    }

    private static void AssertLimit(string message, bool refused, string named)
    {
        bool rejected = FrameGuard.TryReject(Encoding.UTF8.GetBytes(message), Small, out FrameRejection rejection);
        Assert.True(refused == rejected, $"{message}: {rejection.Problem} {rejection.Message}");
        if (refused)
        {
            Assert.Equal(FrameProblem.LimitExceeded, rejection.Problem);
            Assert.Equal(-31066, rejection.Code);
            Assert.Contains(named, rejection.Message, StringComparison.Ordinal);
        }
    }

    private static ReadOnlySequence<byte> Segments(byte[] frame, params int[] splits)
    {
        Segment? first = null;
        Segment? last = null;
        int start = 0;
        foreach (int end in splits.Append(frame.Length))
        {
            var segment = new Segment(frame.AsMemory(start, end - start), last);
            first ??= segment;
            last = segment;
            start = end;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
