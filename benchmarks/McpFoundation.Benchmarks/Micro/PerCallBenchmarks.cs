using BenchmarkDotNet.Attributes;
using McpFoundation.Pipeline;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// Fixed costs every forwarded tool call pays besides the pipeline: its <see cref="OperationContext"/> (a version-7
/// GUID rendered as a correlation id), the linked timeout source <c>DownstreamServer.InvokeAsync</c> creates per call, and the
/// downstream request copy <c>OperationRouter.CallToolAsync</c> makes. The baseline is a random (version 4) GUID
/// rendered the same way, the cheapest unique correlation id.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PerCallBenchmarks : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _request = new();
    private readonly CallToolRequestParams _incoming = new()
    {
        Name = "fixture__echo",
        Arguments = new Dictionary<string, System.Text.Json.JsonElement>(StringComparer.Ordinal)
        {
            ["message"] = System.Text.Json.JsonDocument.Parse("\"hello\"").RootElement,
        },
    };

    [GlobalCleanup]
    public void Dispose()
    {
        _request.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "Guid.NewGuid().ToString(\"N\")")]
    public string RandomGuid() => Guid.NewGuid().ToString("N");

    [Benchmark(Description = "Guid.CreateVersion7().ToString(\"N\")")]
    public string Version7Guid() => Guid.CreateVersion7().ToString("N");

    [Benchmark(Description = "new OperationContext")]
    public OperationContext NewContext() => new(OperationCategory.ToolExecution, RequestMethods.ToolsCall);

    [Benchmark(Description = "linked CTS + CancelAfter + Dispose")]
    public bool LinkedTimeout()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_request.Token);
        timeout.CancelAfter(CallTimeout);
        return timeout.IsCancellationRequested;
    }

    [Benchmark(Description = "downstream CallToolRequestParams copy")]
    public CallToolRequestParams DownstreamRequest() =>
        new() { Name = "echo", Arguments = _incoming.Arguments, Meta = null };
}
