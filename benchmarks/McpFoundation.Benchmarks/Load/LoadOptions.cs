using System.Globalization;

namespace McpFoundation.Benchmarks.Load;

/// <summary>Which client the load benchmark measures with.</summary>
internal enum BenchClient
{
    /// <summary>The SDK's <c>McpClient</c> over its Streamable HTTP transport.</summary>
    Sdk,

    /// <summary>A bare <see cref="System.Net.Http.HttpClient"/> (<see cref="RawHttpClient"/>).</summary>
    Raw,
}

/// <summary>The paths the load benchmark can measure.</summary>
internal enum BenchPath
{
    /// <summary>Client → fixture over Streamable HTTP (the limit for an HTTP front; the same row for every backend).</summary>
    DirectHttp,

    /// <summary>Client → the backend over stdio (one connection shared by all clients, as the gateway's downstream is).</summary>
    DirectStdio,

    /// <summary>Client → <c>mcpf serve --http</c> → the backend over stdio.</summary>
    GatewayHttp,
}

/// <summary>The command line of <c>load</c>.</summary>
internal sealed record LoadOptions(
    TimeSpan Duration,
    TimeSpan Warmup,
    IReadOnlyList<int> Clients,
    int Rounds,
    IReadOnlyList<BenchPath> Paths,
    string? ProtocolVersion,
    string Message,
    string? FixturePath,
    string? GatewayPath,
    string? OutputPath,
    IReadOnlyDictionary<string, string> GatewayEnvironment,
    IReadOnlyList<string> GatewayArguments,
    int PolicyRules = 0)
{
    /// <summary>Gets the clients to measure with, in the order given (the first is the headline).</summary>
    public IReadOnlyList<BenchClient> ClientKinds { get; init; } = [BenchClient.Sdk];

    /// <summary>Gets the stdio backends behind direct-stdio and gateway-http.</summary>
    public IReadOnlyList<BackendKind> Backends { get; init; } = [BackendKind.Fixture];

    /// <summary>Gets a value indicating whether the gateway's data directory is kept out of its backend's working directory.</summary>
    public bool DataOutsideServerDirectory { get; init; }

    /// <summary>Gets a value indicating whether the gateway counts every call against concurrency limits and scores it for the adaptive response (<c>--limits</c>).</summary>
    public bool LimitsAndAdaptive { get; init; }

    /// <summary>Gets the warm-up of every round after the first (the processes are warm by then; only the new connections are not).</summary>
    public TimeSpan RoundWarmup { get; init; }

    /// <summary>Gets the path of McpFoundation.Benchmarks.MinimalServer.dll, when given.</summary>
    public string? MinimalServerPath { get; init; }

    /// <summary>Gets a value indicating whether only the fixture is measured (the report then keeps its earlier shape).</summary>
    public bool FixtureOnly => Backends is [BackendKind.Fixture];

    public const string Usage = """
        load options:
          --duration S       measured seconds per path and concurrency (default 10)
          --warmup S         unmeasured seconds before each measurement (default 10: the tiered JIT is still
                             compiling the gateway's call path several seconds into a run)
          --round-warmup S   unmeasured seconds before each measurement of rounds 2 and later (default: as
                             --warmup); the processes stay up across rounds, so many short rounds, each path
                             measured seconds after the other, pair the paths under the same machine conditions
          --clients LIST     concurrent clients, comma-separated (default 1,16)
          --rounds N         repeat every measurement N times, paths interleaved (default 1)
          --paths LIST       any of direct-http,direct-stdio,gateway-http (default all three)
          --backends LIST    the stdio servers behind direct-stdio and gateway-http, any of fixture,sdk,everything
                             (default fixture): the fixture; a minimal ModelContextProtocol stdio server with its
                             defaults (benchmarks/McpFoundation.Benchmarks.MinimalServer); server-everything on node 22
                             from tests/npm. direct-http is always the fixture's HTTP server (one row for all).
          --protocol V       MCP revision the clients ask for (default 2025-11-25: one session per client;
                             2026-07-28: stateless requests)
          --message TEXT     the echo tool's argument (default "hello")
          --fixture DLL      McpFoundation.FixtureServer.dll (default: the Release build next to this repo)
          --minimal-server DLL  McpFoundation.Benchmarks.MinimalServer.dll (default: the build next to this repo)
          --mcpf DLL         mcpf.dll (default: the Release build next to this repo)
          --gateway-env K=V  an environment variable for the gateway process only (repeatable), e.g.
                             DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 to try a runtime setting
          --gateway-arg A    an extra argument for `mcpf serve` (repeatable), e.g. --gateway-arg --io
                             --gateway-arg pool
          --policy-rules N   give the gateway a policy of N rules (exact names, server globs with path
                             conditions, role rules; one allows the echo tool) and a security_profile on the
                             fixture, so that every call is decided and its arguments checked (default 0: none)
          --client LIST      sdk (default): the SDK's McpClient; raw: no SDK, a bare HttpClient speaking
                             Streamable HTTP on the HTTP paths and newline-delimited JSON-RPC on the stdin/stdout of
                             a backend it starts itself on direct-stdio; sdk,raw (or raw,sdk) measures both, one
                             report section each, the first is the headline
          --data-outside-cwd put the gateway's data directory (audit.db, state.db) in a directory of its own; by
                             default it is next to the gateway's configuration file, which is also the backends'
                             working directory, so a .NET generic-host backend's content-root file watcher sees
                             every audit write (docs/PERFORMANCE.md, issue 7 point 2)
          --limits           give the gateway the limits and the adaptive response (issue 11): concurrency limits
                             on the backend (max_concurrent_operations), per user and on the echo tool (1,000
                             each, so none refuses), and the adaptive response scoring every call for spikes,
                             with its refusing steps off (the benchmark's own rate would throttle it); rate
                             limits cannot be measured this way (at most 100,000 calls a minute, under the
                             benchmark's rate)
          --out FILE         also write the markdown report to FILE
        environment:
          MCPF_BENCH_AUDIT=off  give the gateway "audit": {"enabled": false} (to measure without the trail)
          MCPF_BENCH_AUDIT=nojournal  give it "audit": {"journal_bytes": 0} (each call waits for its record's commit)
          MCPF_NPM_TOOLS, MCPF_NODE22  where the everything backend's tests/npm and node 22 are (as in the tests)
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        double duration = 10;
        double warmup = 10;
        double? roundWarmup = null;
        int[] clients = [1, 16];
        int rounds = 1;
        BenchPath[] paths = [BenchPath.DirectHttp, BenchPath.DirectStdio, BenchPath.GatewayHttp];
        string? protocol = "2025-11-25";
        string message = "hello";
        string? fixture = null;
        string? gateway = null;
        string? output = null;
        var gatewayEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        var gatewayArguments = new List<string>();
        int policyRules = 0;
        BenchClient[] clientKinds = [BenchClient.Sdk];
        BackendKind[] backends = [BackendKind.Fixture];
        string? minimalServer = null;
        bool dataOutside = false;
        bool limits = false;

        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            switch (option)
            {
                case "--duration":
                    duration = Seconds(option, Value(args, ref i));
                    break;
                case "--warmup":
                    warmup = Seconds(option, Value(args, ref i), allowZero: true);
                    break;
                case "--round-warmup":
                    roundWarmup = Seconds(option, Value(args, ref i), allowZero: true);
                    break;
                case "--clients":
                    clients = [.. Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => PositiveInt(option, c))];
                    break;
                case "--rounds":
                    rounds = PositiveInt(option, Value(args, ref i));
                    break;
                case "--paths":
                    paths = [.. Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParsePath)];
                    break;
                case "--protocol":
                    string v = Value(args, ref i);
                    protocol = v is "default" ? null : v;
                    break;
                case "--message":
                    message = Value(args, ref i);
                    break;
                case "--fixture":
                    fixture = Value(args, ref i);
                    break;
                case "--mcpf":
                    gateway = Value(args, ref i);
                    break;
                case "--gateway-env":
                    string pair = Value(args, ref i);
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException($"--gateway-env: '{pair}' is not NAME=VALUE.");
                    }

                    gatewayEnvironment[pair[..eq]] = pair[(eq + 1)..];
                    break;
                case "--gateway-arg":
                    gatewayArguments.Add(Value(args, ref i));
                    break;
                case "--out":
                    output = Value(args, ref i);
                    break;
                case "--client":
                    clientKinds = [.. Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static kind => kind switch
                    {
                        "sdk" => BenchClient.Sdk,
                        "raw" => BenchClient.Raw,
                        var other => throw new ArgumentException($"--client: '{other}' is not sdk or raw."),
                    }).Distinct()];
                    break;
                case "--backends":
                    backends = [.. Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Backend.Parse).Distinct()];
                    break;
                case "--data-outside-cwd":
                    dataOutside = true;
                    break;
                case "--limits":
                    limits = true;
                    break;
                case "--minimal-server":
                    minimalServer = Value(args, ref i);
                    break;
                case "--policy-rules":
                    policyRules = PositiveInt(option, Value(args, ref i));
                    break;
                default:
                    throw new ArgumentException($"unknown option '{option}'.");
            }
        }

        if (clients.Length == 0 || paths.Length == 0 || clientKinds.Length == 0 || backends.Length == 0)
        {
            throw new ArgumentException("--clients, --paths, --client and --backends need at least one value.");
        }

        if (clients.Any(c => c > 256))
        {
            throw new ArgumentException("--clients: at most 256 concurrent clients (this is a 2-core machine).");
        }

        return new LoadOptions(TimeSpan.FromSeconds(duration), TimeSpan.FromSeconds(warmup), clients, rounds, paths, protocol, message, fixture, gateway, output, gatewayEnvironment, gatewayArguments, policyRules)
        {
            ClientKinds = clientKinds,
            Backends = backends,
            MinimalServerPath = minimalServer,
            DataOutsideServerDirectory = dataOutside,
            LimitsAndAdaptive = limits,
            RoundWarmup = TimeSpan.FromSeconds(roundWarmup ?? warmup),
        };
    }

    public static string Name(BenchPath path) => path switch
    {
        BenchPath.DirectHttp => "direct-http",
        BenchPath.DirectStdio => "direct-stdio",
        BenchPath.GatewayHttp => "gateway-http",
        _ => path.ToString(),
    };

    private static BenchPath ParsePath(string text) => text switch
    {
        "direct-http" => BenchPath.DirectHttp,
        "direct-stdio" => BenchPath.DirectStdio,
        "gateway-http" or "gateway" => BenchPath.GatewayHttp,
        _ => throw new ArgumentException($"--paths: '{text}' is not one of direct-http, direct-stdio, gateway-http."),
    };

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");

    private static double Seconds(string option, string text, bool allowZero = false) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && (s > 0 || (allowZero && s == 0)) && s <= 600
            ? s
            : throw new ArgumentException($"{option}: '{text}' is not a number of seconds between {(allowZero ? "0" : "0 (exclusive)")} and 600.");

    private static int PositiveInt(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{option}: '{text}' is not a positive integer.");
}
