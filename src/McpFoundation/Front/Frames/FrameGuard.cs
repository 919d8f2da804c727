using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Front.Frames;

/// <summary>
/// Checks one JSON-RPC frame before anything parses it: size, UTF-8, JSON syntax, nesting depth, string lengths,
/// array lengths, and the shape of one JSON-RPC 2.0 message (an object, not a batch; <c>"jsonrpc": "2.0"</c>; a
/// string method; a string or integer id; object params; a response with exactly one of result and error). One
/// forward pass of <see cref="Utf8JsonReader"/> over the bytes: nothing is allocated for a frame that passes, and a
/// frame that fails stops the pass where it fails. Both fronts call it, so both answer a malformed frame alike.
/// </summary>
internal static class FrameGuard
{
    private static readonly JsonReaderOptions BaseOptions = new()
    {
        AllowTrailingCommas = McpJsonUtilities.ProtocolOptions.AllowTrailingCommas,
        CommentHandling = McpJsonUtilities.ProtocolOptions.ReadCommentHandling,
    };

    [Flags]
    private enum Seen
    {
        None = 0,
        JsonRpc = 1,
        Method = 2,
        Id = 4,
        Params = 8,
        Result = 16,
        Error = 32,
    }

    /// <summary>
    /// Checks <paramref name="frame"/>; returns true with the reason when it must be refused. Never throws: should the
    /// check itself fail on some input, the frame is refused (fail closed).
    /// </summary>
    public static bool TryReject(in ReadOnlySequence<byte> frame, FrameLimits limits, out FrameRejection rejection)
    {
        try
        {
            return TryRejectCore(frame, limits, out rejection);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or IndexOutOfRangeException)
        {
            rejection = new(FrameProblem.ParseError, "Parse error: the message could not be read as JSON; send one JSON-RPC message as JSON in UTF-8.");
            return true;
        }
    }

    private static bool TryRejectCore(in ReadOnlySequence<byte> frame, FrameLimits limits, out FrameRejection rejection)
    {
        if (frame.Length > limits.MaxBytes)
        {
            rejection = new(FrameProblem.TooLarge, $"The message is {frame.Length} bytes, more than the gateway accepts ({limits.MaxBytes} bytes, http.max_request_bytes): send a smaller message.");
            return true;
        }

        if (!IsValidUtf8(frame))
        {
            rejection = new(FrameProblem.ParseError, "Parse error: the message is not valid UTF-8; send JSON encoded as UTF-8.");
            return true;
        }

        if (!TryScan(frame, limits, out rejection))
        {
            return false;
        }

        // Refused after the whole frame read as JSON: echo the request's id when it has a usable one.
        if (rejection.Problem is not FrameProblem.ParseError and not FrameProblem.TooLarge && TryReadId(frame) is { } id)
        {
            rejection = rejection.WithId(id);
        }

        return true;
    }

    /// <inheritdoc cref="TryReject(in ReadOnlySequence{byte}, FrameLimits, out FrameRejection)"/>
    public static bool TryReject(ReadOnlyMemory<byte> frame, FrameLimits limits, out FrameRejection rejection) =>
        TryReject(new ReadOnlySequence<byte>(frame), limits, out rejection);

    /// <summary>One pass: syntax and limits as the tokens come, then the message's shape. False when nothing is wrong.</summary>
    private static bool TryScan(in ReadOnlySequence<byte> frame, FrameLimits limits, out FrameRejection rejection)
    {
        JsonReaderOptions options = BaseOptions;
        options.MaxDepth = limits.MaxDepth + 1; // this pass reports the depth in its own words, before the reader would throw
        var reader = new Utf8JsonReader(frame, options);
        Span<int> items = stackalloc int[limits.MaxDepth + 2];
        Span<bool> isArray = stackalloc bool[limits.MaxDepth + 2];
        Seen seen = Seen.None;
        Seen property = Seen.None;
        bool jsonRpcOk = false, methodOk = false, idOk = false, paramsOk = true, paramsNull = false, errorOk = false;
        string? needsParams = null;
        JsonTokenType root = JsonTokenType.None;
        try
        {
            while (reader.Read())
            {
                JsonTokenType token = reader.TokenType;
                int depth = reader.CurrentDepth;
                if (token is JsonTokenType.Comment or JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    continue;
                }

                if (token == JsonTokenType.PropertyName)
                {
                    if (ValueLength(ref reader) > limits.MaxStringLength)
                    {
                        rejection = StringTooLong(limits);
                        return true;
                    }

                    if (reader.ValueIsEscaped && !HasValidEscapes(ref reader))
                    {
                        rejection = LoneSurrogate();
                        return true;
                    }

                    if (depth == 1)
                    {
                        property = TopLevelProperty(ref reader);
                        if ((seen & property) != 0)
                        {
                            rejection = new(FrameProblem.InvalidRequest, $"Invalid request: the message names \"{Name(property)}\" twice; send each member once.");
                            return true;
                        }

                        seen |= property;
                    }

                    continue;
                }

                // A value: count it in its array, check its size, and note what it says when it is a member of the message.
                if (depth == 0)
                {
                    root = token;
                    if (token == JsonTokenType.StartArray)
                    {
                        rejection = new(FrameProblem.InvalidRequest, "Invalid request: JSON-RPC batches (arrays of messages) are not supported; MCP 2025-06-18 and later send one message per request.");
                        return true;
                    }

                    if (token != JsonTokenType.StartObject)
                    {
                        rejection = new(FrameProblem.InvalidRequest, "Invalid request: a JSON-RPC message is a JSON object, e.g. {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}.");
                        return true;
                    }
                }
                else if (isArray[depth] && ++items[depth] > limits.MaxArrayItems)
                {
                    rejection = new(FrameProblem.LimitExceeded, $"The message has an array of more than {limits.MaxArrayItems} items (http.max_array_items); send fewer items.");
                    return true;
                }

                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (depth + 1 > limits.MaxDepth)
                    {
                        rejection = new(FrameProblem.LimitExceeded, $"The message nests objects and arrays more than {limits.MaxDepth} deep (http.max_json_depth); flatten it.");
                        return true;
                    }

                    isArray[depth + 1] = token == JsonTokenType.StartArray;
                    items[depth + 1] = 0;
                }
                else if (token == JsonTokenType.String)
                {
                    if (ValueLength(ref reader) > limits.MaxStringLength)
                    {
                        rejection = StringTooLong(limits);
                        return true;
                    }

                    if (reader.ValueIsEscaped && !HasValidEscapes(ref reader))
                    {
                        rejection = LoneSurrogate();
                        return true;
                    }
                }

                if (depth == 1)
                {
                    switch (property)
                    {
                        case Seen.JsonRpc:
                            jsonRpcOk = token == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
                            break;
                        case Seen.Method:
                            methodOk = token == JsonTokenType.String;
                            needsParams = methodOk ? MethodNeedingParams(ref reader) : null;
                            break;
                        case Seen.Id:
                            idOk = token == JsonTokenType.String || (token == JsonTokenType.Number && reader.TryGetInt64(out _));
                            break;
                        case Seen.Params:
                            paramsOk = token is JsonTokenType.StartObject or JsonTokenType.Null;
                            paramsNull = token == JsonTokenType.Null;
                            break;
                        case Seen.Error:
                            errorOk = token == JsonTokenType.StartObject;
                            break;
                    }

                    property = Seen.None;
                }
            }
        }
        catch (JsonException ex)
        {
            rejection = new(FrameProblem.ParseError, $"Parse error: the message is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}); send one JSON-RPC message as JSON.");
            return true;
        }

        if (root == JsonTokenType.None)
        {
            rejection = new(FrameProblem.ParseError, "Parse error: the message is empty; send one JSON-RPC message as JSON.");
            return true;
        }

        if (TryRejectShape(seen, jsonRpcOk, methodOk, idOk, paramsOk, errorOk, out rejection))
        {
            return true;
        }

        if (needsParams is not null && ((seen & Seen.Params) == 0 || paramsNull))
        {
            // The gateway's handlers would refuse it too, but the SDK logs a handler's refusal as an error.
            rejection = new(FrameProblem.InvalidParams, $"Invalid params: {needsParams} needs params; see the MCP specification for its fields.");
            return true;
        }

        return false;
    }

    /// <summary>The method, when it is one whose request must carry params (the gateway's handlers need them).</summary>
    private static string? MethodNeedingParams(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("initialize"u8) ? "initialize"
        : reader.ValueTextEquals("tools/call"u8) ? "tools/call"
        : reader.ValueTextEquals("resources/read"u8) ? "resources/read"
        : reader.ValueTextEquals("prompts/get"u8) ? "prompts/get"
        : reader.ValueTextEquals("completion/complete"u8) ? "completion/complete"
        : reader.ValueTextEquals("resources/subscribe"u8) ? "resources/subscribe"
        : reader.ValueTextEquals("resources/unsubscribe"u8) ? "resources/unsubscribe"
        : reader.ValueTextEquals("logging/setLevel"u8) ? "logging/setLevel"
        : null;

    private static bool TryRejectShape(Seen seen, bool jsonRpcOk, bool methodOk, bool idOk, bool paramsOk, bool errorOk, out FrameRejection rejection)
    {
        string? problem = null;
        FrameProblem kind = FrameProblem.InvalidRequest;
        bool isResponse = (seen & (Seen.Result | Seen.Error)) != 0;
        if (!jsonRpcOk)
        {
            problem = "Invalid request: \"jsonrpc\" must be \"2.0\".";
        }
        else if ((seen & Seen.Id) != 0 && !idOk)
        {
            problem = "Invalid request: \"id\" must be a string or an integer (not null, a fraction, an object or an array).";
        }
        else if ((seen & Seen.Method) != 0)
        {
            if (!methodOk)
            {
                problem = "Invalid request: \"method\" must be a string, e.g. \"tools/call\".";
            }
            else if (isResponse)
            {
                problem = "Invalid request: a message with a \"method\" is a request or a notification and carries no \"result\" or \"error\".";
            }
            else if (!paramsOk)
            {
                (kind, problem) = (FrameProblem.InvalidParams, "Invalid params: \"params\" must be an object.");
            }
        }
        else if (!isResponse)
        {
            problem = "Invalid request: a JSON-RPC message has a \"method\" (a request or a notification) or a \"result\" or an \"error\" (a response).";
        }
        else if ((seen & Seen.Id) == 0 || (seen & (Seen.Result | Seen.Error)) == (Seen.Result | Seen.Error) || ((seen & Seen.Error) != 0 && !errorOk))
        {
            problem = "Invalid request: a JSON-RPC response has an \"id\" and exactly one of \"result\" and \"error\" (an object).";
        }

        rejection = problem is null ? default : new FrameRejection(kind, problem);
        return problem is not null;
    }

    private static FrameRejection LoneSurrogate() =>
        new(FrameProblem.ParseError, "Parse error: the message has a \\u escape that is half of a surrogate pair (not a character); escape characters outside the BMP as a pair, e.g. \\ud83d\\ude00.");

    /// <summary>
    /// Whether every <c>\u</c> escape of an escaped string is a character: a high surrogate must be followed by a low one
    /// and a low one must follow a high one. System.Text.Json reads the rest of the syntax, but throws on these only when
    /// the string is read, inside whatever parses it next.
    /// </summary>
    private static bool HasValidEscapes(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        bool expectLow = false;
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                if (expectLow)
                {
                    return false;
                }

                continue;
            }

            byte escaped = raw[++i]; // the reader has checked the escape's syntax: a character follows, and 4 hex digits after 'u'
            if (escaped != (byte)'u')
            {
                if (expectLow)
                {
                    return false;
                }

                continue;
            }

            int unit = ParseHex(raw.Slice(i + 1, 4));
            i += 4;
            bool high = unit is >= 0xD800 and <= 0xDBFF;
            bool low = unit is >= 0xDC00 and <= 0xDFFF;
            if (expectLow != low)
            {
                return false;
            }

            expectLow = high;
        }

        return !expectLow;
    }

    private static int ParseHex(ReadOnlySpan<byte> digits)
    {
        int value = 0;
        foreach (byte digit in digits)
        {
            value = (value << 4) | (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        return value;
    }

    private static FrameRejection StringTooLong(FrameLimits limits) =>
        new(FrameProblem.LimitExceeded, $"The message has a string longer than {limits.MaxStringLength} bytes (http.max_string_length); send shorter values.");

    private static long ValueLength(ref Utf8JsonReader reader) => reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;

    private static Seen TopLevelProperty(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("jsonrpc"u8) ? Seen.JsonRpc
        : reader.ValueTextEquals("method"u8) ? Seen.Method
        : reader.ValueTextEquals("id"u8) ? Seen.Id
        : reader.ValueTextEquals("params"u8) ? Seen.Params
        : reader.ValueTextEquals("result"u8) ? Seen.Result
        : reader.ValueTextEquals("error"u8) ? Seen.Error
        : Seen.None;

    private static string Name(Seen property) => property switch
    {
        Seen.JsonRpc => "jsonrpc",
        Seen.Method => "method",
        Seen.Id => "id",
        Seen.Params => "params",
        Seen.Result => "result",
        _ => "error",
    };

    /// <summary>The message's id, when the frame is a JSON object with a string or integer id; read only for an error answer.</summary>
    private static RequestId? TryReadId(in ReadOnlySequence<byte> frame)
    {
        try
        {
            var reader = new Utf8JsonReader(frame, BaseOptions with { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId)
                {
                    return reader.TokenType switch
                    {
                        JsonTokenType.String => new RequestId(reader.GetString()!),
                        JsonTokenType.Number when reader.TryGetInt64(out long number) => new RequestId(number),
                        _ => null,
                    };
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // No id to echo.
        }

        return null;
    }

    /// <summary>Whether the bytes are UTF-8; a sequence split across segments is put together in a small buffer.</summary>
    internal static bool IsValidUtf8(in ReadOnlySequence<byte> frame)
    {
        if (frame.IsSingleSegment)
        {
            return Utf8.IsValid(frame.FirstSpan);
        }

        Span<byte> pending = stackalloc byte[4];
        int pendingLength = 0;
        foreach (ReadOnlyMemory<byte> segment in frame)
        {
            ReadOnlySpan<byte> span = segment.Span;
            if (pendingLength > 0)
            {
                int expected = SequenceLength(pending[0]);
                int take = Math.Min(expected - pendingLength, span.Length);
                span[..take].CopyTo(pending[pendingLength..]);
                pendingLength += take;
                span = span[take..];
                if (pendingLength < expected)
                {
                    continue;
                }

                if (!Utf8.IsValid(pending[..pendingLength]))
                {
                    return false;
                }

                pendingLength = 0;
            }

            int tail = IncompleteTail(span);
            if (!Utf8.IsValid(span[..^tail]))
            {
                return false;
            }

            span[^tail..].CopyTo(pending);
            pendingLength = tail;
        }

        return pendingLength == 0;
    }

    /// <summary>How many bytes at the end start a sequence the span does not finish (0 to 3).</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> span)
    {
        for (int back = 1; back <= 3 && back <= span.Length; back++)
        {
            byte b = span[^back];
            if ((b & 0xC0) != 0x80)
            {
                // The last byte that is not a continuation byte: a lead byte whose sequence runs past the end?
                return SequenceLength(b) > back ? back : 0;
            }
        }

        return 0;
    }

    /// <summary>The length a lead byte announces; 1 for anything that is not a multi-byte lead (Utf8.IsValid judges it).</summary>
    private static int SequenceLength(byte lead) => lead switch
    {
        >= 0xC2 and <= 0xDF => 2,
        >= 0xE0 and <= 0xEF => 3,
        >= 0xF0 and <= 0xF4 => 4,
        _ => 1,
    };
}
