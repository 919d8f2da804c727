using BenchmarkDotNet.Attributes;
using McpFoundation.Security.Arguments;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// The cost of the argument checks that run before a policy decision: one path argument canonicalized against the
/// local file system (an existing file inside the allowed root: percent-decoding scan, NFKC check, one readlink per
/// component) and compared with the root by segments, and one URL argument with an IP literal (strict parse, IDN,
/// address class; no DNS). The baseline is <see cref="Path.GetFullPath(string)"/> of the same path, the lexical
/// resolution a naive check would do.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ArgumentCanonicalizationBenchmarks : IDisposable
{
    private static readonly UrlRules Rules = new(UrlRules.DefaultSchemes, [], false, "servers.web.security_profile.allowed_hosts", "url.scheme");

    private readonly UrlCanonicalizer _urls = new(new DnsHostResolver(), TimeProvider.System);
    private string _directory = null!;
    private string _root = null!;
    private string _file = null!;
    private PathContext _context;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "mcpf-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_directory, "data", "docs"));
        File.WriteAllText(Path.Combine(_directory, "data", "docs", "report.txt"), "x");
        _root = PathCanonicalizer.CanonicalRoot(Path.Combine(_directory, "data"), resolveSymlinks: true);
        _file = Path.Combine(_root, "docs", "report.txt");
        _context = new PathContext(_root, ResolveSymlinks: true, HomeDirectory: "/home/gw");
    }

    [Benchmark(Baseline = true)]
    public string GetFullPath() => Path.GetFullPath(_file);

    [Benchmark]
    public bool CanonicalizePathInsideRoot()
    {
        var result = PathCanonicalizer.Canonicalize(_file, _context);
        return PathCanonicalizer.IsInside(result.Canonical!, _root);
    }

    [Benchmark]
    public bool CheckUrlIpLiteral()
    {
        var check = _urls.CheckAsync("https://93.184.215.14/v1/items?id=7", Rules, CancellationToken.None);
        return check.IsCompletedSuccessfully && !check.Result.IsRefused; // an IP literal completes synchronously
    }

    [GlobalCleanup]
    public void Dispose()
    {
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}
