using BenchmarkDotNet.Attributes;
using McpFoundation.Configuration;
using McpFoundation.Tools;
using McpFoundation.Servers;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// Resolving the exposed tool name of a call (<c>GatewayCatalogue.TryGetTool</c>, a frozen ordinal dictionary) against a
/// plain <see cref="Dictionary{TKey, TValue}"/> lookup of the same routes (the baseline). The looked-up name is a fresh
/// string, as one parsed from a request is.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CatalogueBenchmarks
{
    private GatewayCatalogue _catalogue = null!;
    private Dictionary<string, NamedRoute> _dictionary = null!;
    private string _hit = null!;
    private string _miss = null!;

    /// <summary>Gets or sets how many tools each of the two servers offers.</summary>
    [Params(10, 500)]
    public int ToolsPerServer { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ServerCatalogue Server(string prefix) => new(
            [.. Enumerable.Range(0, ToolsPerServer).Select(i => new Tool { Name = $"{prefix}_tool_{i:0000}", Description = "A tool." })],
            [],
            [],
            []);

        _catalogue = GatewayCatalogue.Build([("fixture", Server("echo")), ("web_api", Server("fetch"))], ToolNamespacing.Prefix);
        _dictionary = new Dictionary<string, NamedRoute>(StringComparer.Ordinal);
        foreach ((Tool tool, string serverId, string downstreamName) in _catalogue.ToolDetails)
        {
            _dictionary[tool.Name] = new NamedRoute(serverId, downstreamName);
        }

        _hit = new string($"web_api__fetch_tool_{ToolsPerServer / 2:0000}".AsSpan());
        _miss = new string("web_api__no_such_tool".AsSpan());
    }

    [Benchmark(Baseline = true, Description = "Dictionary hit")]
    public bool DictionaryHit() => _dictionary.TryGetValue(_hit, out _);

    [Benchmark(Description = "TryGetTool hit")]
    public bool TryGetToolHit() => _catalogue.TryGetTool(_hit, out _);

    [Benchmark(Description = "TryGetTool miss")]
    public bool TryGetToolMiss() => _catalogue.TryGetTool(_miss, out _);
}
