using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using BenchmarkDotNet.Attributes;
using McpFoundation.AspNetCore.Http;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// What the HTTP front pays to read a plain <c>tools/call</c> body (the load benchmark's echo call) into its params.
/// Baseline: the SDK's way, the message through the SDK's converter (params as a JSON tree), then the tree bound to
/// <see cref="CallToolRequestParams"/>, as the front did before 2026-12-02. Then the front's one pass
/// (<c>DirectToolCallFilter.TryReadToolCall</c>), and the params alone bound by the type's own converter against the
/// front's member-by-member binding.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ToolCallReadingBenchmarks
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<JsonRpcMessage>();
    private static readonly JsonTypeInfo<CallToolRequestParams> ParamsType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<CallToolRequestParams>();
    private readonly ReadOnlySequence<byte> _body = new("""{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hello"}}}"""u8.ToArray());
    private readonly byte[] _params = """{"name":"fixture__echo","arguments":{"message":"hello"}}"""u8.ToArray();

    [Benchmark(Baseline = true, Description = "message via the SDK's converter, then params from its tree")]
    public CallToolRequestParams? ThroughTree()
    {
        var reader = new Utf8JsonReader(_body);
        var call = (JsonRpcRequest)JsonSerializer.Deserialize(ref reader, MessageType)!;
        return ((JsonObject)call.Params!).Deserialize(ParamsType);
    }

    [Benchmark(Description = "TryReadToolCall (one pass)")]
    public CallToolRequestParams? OnePass() =>
        DirectToolCallFilter.TryReadToolCall(_body, out _, out CallToolRequestParams? parameters) ? parameters : null;

    [Benchmark(Description = "params alone: the type's converter")]
    public CallToolRequestParams? ParamsByConverter() => JsonSerializer.Deserialize(_params, ParamsType);

    [Benchmark(Description = "params alone: checked and bound member by member (TryBindPlainParams)")]
    public CallToolRequestParams? ParamsByMember()
    {
        var reader = new Utf8JsonReader(_params);
        reader.Read();
        return DirectToolCallFilter.TryBindPlainParams(ref reader);
    }
}
