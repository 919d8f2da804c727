using System.Text;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>One fuzzed HTTP request: method, body and the headers that matter to the Streamable HTTP transport.</summary>
internal sealed record FuzzFrame(string Method, byte[] Body, string? ContentType, string? Accept, string? ProtocolVersion, SessionChoice Session, string Kind);

/// <summary>Which Mcp-Session-Id the fuzzed request carries.</summary>
internal enum SessionChoice
{
    Valid,
    None,
    Unknown,
    Garbage,
    Twice,
}

/// <summary>
/// A seeded mutator over a corpus of valid MCP messages: wrong types, missing and extra members, deep nesting, batches,
/// truncation, bit flips, invalid UTF-8, random bytes, unknown methods, bad ids, duplicate members, a second
/// initialize with bad params; and odd Content-Type, Accept, MCP-Protocol-Version and Mcp-Session-Id headers. The same
/// seed gives the same frames, so a failure replays with its seed.
/// </summary>
internal sealed class FrameMutator(int seed, string toolName)
{
    private static readonly string[] Methods = ["ping", "tools/list", "tools/call", "resources/list", "prompts/list", "initialize", "completion/complete", "logging/setLevel", "resources/read", "nope/nope", "", "tools/call\u0000", "rpc.discover"];

    private static readonly string?[] ContentTypes = ["application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8", null, "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx", "*/*", ";;;", "application/json; q=1", "application/vnd.api+json"];

    private static readonly string?[] Accepts = ["application/json, text/event-stream", "application/json, text/event-stream", "text/event-stream, application/json", null, "application/json", "text/event-stream", "*/*", "text/html", "application/json;q=0, text/event-stream;q=0", ",,,"];

    private static readonly string?[] Versions = [null, "2025-11-25", "2025-11-25", "2025-06-18", "2026-07-28", "1999-01-01", "", "DRAFT-2026-v1", "2025-11-25, 2025-06-18", "%C3%A9\t"];

    private readonly Random _random = new(seed);

    public int Seed { get; } = seed;

    /// <summary>The valid messages mutations start from.</summary>
    public string[] Corpus { get; } =
    [
        """{"jsonrpc":"2.0","id":1,"method":"ping"}""",
        """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""",
        """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":""" + "\"" + toolName + "\"" + ""","arguments":{"message":"hello"}}}""",
        """{"jsonrpc":"2.0","id":"s-4","method":"tools/call","params":{"name":""" + "\"" + toolName + "\"" + ""","arguments":{"message":"x"},"_meta":{"k":1}}}""",
        """{"jsonrpc":"2.0","id":5,"method":"resources/list","params":{"cursor":"abc"}}""",
        """{"jsonrpc":"2.0","id":6,"method":"prompts/list"}""",
        """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
        """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99,"reason":"x"}}""",
        """{"jsonrpc":"2.0","id":7,"result":{}}""",
        """{"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"no"}}""",
        """{"jsonrpc":"2.0","id":9,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""",
        """{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"b"}}}""",
        """{"jsonrpc":"2.0","id":11,"method":"logging/setLevel","params":{"level":"debug"}}""",
    ];

    /// <summary>The next frame's body as the mutation made it, with the mutation's name.</summary>
    public (byte[] Body, string Kind) NextBody()
    {
        string message = Corpus[_random.Next(Corpus.Length)];
        switch (_random.Next(20))
        {
            case 0: return (Bytes(message), "valid");
            case 1: return (Bytes(ReplaceValue(message)), "wrong-type");
            case 2: return (Bytes(RemoveMember(message)), "missing-member");
            case 3: return (Bytes(message.Insert(1, $"\"x{_random.Next(100)}\":{RandomValue(2)},")), "extra-member");
            case 4: return (Bytes(Nest(message)), "deep-nesting");
            case 5: return (Bytes("[" + message + "," + Corpus[_random.Next(Corpus.Length)] + "]"), "batch");
            case 6: return (Bytes(message)[.._random.Next(Math.Max(1, message.Length))], "truncated");
            case 7: return (FlipBits(Bytes(message)), "bit-flip");
            case 8: return (InvalidUtf8(Bytes(message)), "invalid-utf8");
            case 9: return (RandomBytes(), "random-bytes");
            case 10: return (Bytes(message.Replace(MethodOf(message), Methods[_random.Next(Methods.Length)], StringComparison.Ordinal)), "method");
            case 11: return (Bytes(ReplaceId(message)), "id");
            case 12: return (Bytes(message.Insert(1, "\"jsonrpc\":\"2.0\",\"id\":" + _random.Next(5) + ",")), "duplicate-member");
            case 13: return (Bytes(SecondInitialize()), "initialize-bad-params");
            case 14: return (Bytes(message.Replace("\"2.0\"", _random.Next(3) switch { 0 => "\"1.0\"", 1 => "2.0", _ => "null" }, StringComparison.Ordinal)), "jsonrpc-version");
            case 15: return (Bytes(message.Replace("\"params\":", "\"params\":" + RandomValue(1) + ",\"p\":", StringComparison.Ordinal)), "params-type");
            case 16: return (Bytes(RandomValue(3)), "random-json");
            case 17: return (Bytes(message + (_random.Next(2) == 0 ? message : " x")), "trailing-data");
            case 18: return (Bytes(Stretch(message)), "long-values");
            default: return (FlipBits(Bytes(ReplaceValue(RemoveMember(message)))), "combined");
        }
    }

    /// <summary>The next HTTP request: a mutated body, and mutated headers one time in three.</summary>
    public FuzzFrame NextHttp()
    {
        (byte[] body, string kind) = NextBody();
        bool oddHeaders = _random.Next(3) == 0;
        string method = _random.Next(40) switch { 0 => "GET", 1 => "DELETE", 2 => "PUT", _ => "POST" };
        SessionChoice session = oddHeaders ? (SessionChoice)_random.Next(5) : SessionChoice.Valid;
        if (method is "GET" or "DELETE" && session == SessionChoice.Valid)
        {
            // A GET on the real session opens an event stream that stays open, a DELETE ends the session the run uses:
            // neither is a frame to fuzz.
            session = SessionChoice.Unknown;
        }

        return new FuzzFrame(
            method,
            body,
            oddHeaders ? ContentTypes[_random.Next(ContentTypes.Length)] : "application/json",
            oddHeaders ? Accepts[_random.Next(Accepts.Length)] : "application/json, text/event-stream",
            oddHeaders ? Versions[_random.Next(Versions.Length)] : "2025-11-25",
            session,
            oddHeaders ? kind + "+headers" : kind);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string MethodOf(string message)
    {
        int start = message.IndexOf("\"method\":\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return "\"jsonrpc\"";
        }

        start += 10;
        return message[start..message.IndexOf('"', start)];
    }

    private string RandomValue(int depth)
    {
        return _random.Next(depth <= 0 ? 6 : 9) switch
        {
            0 => "null",
            1 => "true",
            2 => _random.Next(-5, 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            3 => "1.5e308",
            4 => "\"" + new string('a', _random.Next(10)) + "\"",
            5 => "\"\\ud800\"",
            6 => "[" + RandomValue(depth - 1) + "," + RandomValue(depth - 1) + "]",
            7 => "{\"a\":" + RandomValue(depth - 1) + "}",
            _ => "{}",
        };
    }

    private string ReplaceValue(string message)
    {
        // Replace the value after a random ':' (up to the next ',' or '}') with a value of a random type.
        int colon = NthIndex(message, ':');
        if (colon < 0)
        {
            return message;
        }

        int end = message.IndexOfAny([',', '}'], colon + 1);
        if (end < 0 || message[colon + 1] is '{' or '[')
        {
            return message.Insert(colon + 1, RandomValue(2) + ",\"z\":");
        }

        return message[..(colon + 1)] + RandomValue(2) + message[end..];
    }

    private string RemoveMember(string message)
    {
        int comma = NthIndex(message, ',');
        if (comma < 0)
        {
            return message;
        }

        int end = message.IndexOfAny([',', '}'], comma + 1);
        return end < 0 ? message : message[..comma] + message[end..];
    }

    private int NthIndex(string text, char c)
    {
        int count = text.Count(ch => ch == c);
        if (count == 0)
        {
            return -1;
        }

        int n = _random.Next(count);
        int index = -1;
        for (int i = 0; i <= n; i++)
        {
            index = text.IndexOf(c, index + 1);
        }

        return index;
    }

    private string Nest(string message)
    {
        int depth = _random.Next(2) == 0 ? _random.Next(60, 70) : _random.Next(100, 3000);
        string open = _random.Next(2) == 0 ? new string('[', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth));
        string close = open[0] == '[' ? new string(']', depth) : new string('}', depth);
        return message.Replace("{}", open + close, StringComparison.Ordinal) is { } replaced && replaced != message
            ? replaced
            : message.Insert(message.Length - 1, ",\"deep\":" + open + close);
    }

    private byte[] FlipBits(byte[] bytes)
    {
        int flips = _random.Next(1, 4);
        for (int i = 0; i < flips && bytes.Length > 0; i++)
        {
            bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
        }

        return bytes;
    }

    private byte[] InvalidUtf8(byte[] bytes)
    {
        byte[][] bad = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]];
        int at = _random.Next(bytes.Length);
        return [.. bytes[..at], .. bad[_random.Next(bad.Length)], .. bytes[at..]];
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[_random.Next(0, 200)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string ReplaceId(string message)
    {
        string id = _random.Next(8) switch
        {
            0 => "null",
            1 => "1.5",
            2 => "{}",
            3 => "[1]",
            4 => "true",
            5 => "99999999999999999999999",
            6 => "\"\"",
            _ => "-0",
        };
        int start = message.IndexOf("\"id\":", StringComparison.Ordinal);
        if (start < 0)
        {
            return message.Insert(1, "\"id\":" + id + ",");
        }

        int end = message.IndexOf(',', start);
        return message[..(start + 5)] + id + message[end..];
    }

    private string SecondInitialize() => _random.Next(6) switch
    {
        0 => """{"jsonrpc":"2.0","id":20,"method":"initialize","params":{}}""",
        1 => """{"jsonrpc":"2.0","id":21,"method":"initialize","params":{"protocolVersion":5,"capabilities":[],"clientInfo":"x"}}""",
        2 => """{"jsonrpc":"2.0","id":22,"method":"initialize"}""",
        3 => """{"jsonrpc":"2.0","id":23,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"sampling":7},"clientInfo":{"name":null}}}""",
        4 => """{"jsonrpc":"2.0","id":24,"method":"initialize","params":{"protocolVersion":"9999-01-01","capabilities":{},"clientInfo":{"name":"a","version":"1"}}}""",
        _ => """{"jsonrpc":"2.0","id":25,"method":"initialize","params":null}""",
    };

    private string Stretch(string message)
    {
        string filler = new('x', _random.Next(2) == 0 ? _random.Next(1000, 5000) : _random.Next(60_000, 70_000));
        return message.Replace("hello", filler, StringComparison.Ordinal).Replace("\"abc\"", "\"" + filler + "\"", StringComparison.Ordinal);
    }
}
