using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using McpFoundation.Audit;
using McpFoundation.Benchmarks.Load;
using McpFoundation.Configuration;
using McpFoundation.Pipeline;
using McpFoundation.Tools;

namespace McpFoundation.Benchmarks.Emergency;

/// <summary>
/// The emergency stop's reach: with <c>--calls</c> (default 1,000) <c>slow</c> calls in flight through the gateway to the
/// fixture over stdio, the time from <c>TriggerEmergencyStopAsync</c> to the last of them answered (each with -31050),
/// over <c>--rounds</c> rounds (resumed in between). Goal: p99 of that time under 50 ms (docs/PERFORMANCE.md).
/// The gateway runs in this process (the library front); the fixture is a real child process.
/// </summary>
internal static class EmergencyStopBenchmark
{
    public const string Usage = """
        emergency options:
          --calls N     calls in flight at the trigger (default 1000)
          --rounds N    rounds, each a stop and a resume (default 20)
          --settle      before each trigger, wait until the tiered JIT has compiled nothing for 300 ms (a
                        gateway that has run for a while; without it, its background compiles land in rounds)
          --served N    calls the gateway serves before the first round (default 2000, 16 at a time: a gateway
                        is stopped while it serves, not before its first call; 0 measures a stop of a gateway
                        that never answered a call)
        environment:
          MCPF_BENCH_AUDIT=off  run the gateway without the audit trail (to measure its share)
          DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0
                                the garbage collector mcpf runs with (Server GC without its dynamic adaptation,
                                McpFoundation.Cli.csproj); without them this process has the workstation GC, and
                                with DATAS a collection lands in the stop's answers every few rounds (PERFORMANCE.md)
        """;

    private static readonly TimeSpan Goal = TimeSpan.FromMilliseconds(50);
    private static long s_exceptions; // first-chance exceptions in this process: the cancelled calls' unwinding costs show here

    public static async Task<int> RunAsync(string[] args)
    {
        int calls = 1000;
        int rounds = 20;
        int served = 2000;
        bool settle = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--calls" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int c) && c > 0:
                    calls = c;
                    i++;
                    break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int r) && r > 0:
                    rounds = r;
                    i++;
                    break;
                case "--settle":
                    settle = true;
                    break;
                case "--served" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int s) && s >= 0:
                    served = s;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        string fixtureDll = LoadBenchmark.Locate(null, Path.Combine("tests", "McpFoundation.FixtureServer"), "McpFoundation.FixtureServer.dll");
        string dataDirectory = Path.Combine(Path.GetTempPath(), "mcpf-bench-emergency-" + Guid.NewGuid().ToString("N")[..8]);
        var fixture = new ServerDefinition
        {
            Name = "fixture",
            Transport = ServerTransport.Stdio,
            Command = [LoadBenchmark.DotnetHost(), fixtureDll, "--stdio"],
            Env = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" },
            Timeout = TimeSpan.FromMinutes(5),
        };
        var configuration = new GatewayConfiguration
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(new Dictionary<string, ServerDefinition> { ["fixture"] = fixture }),
            Settings = new GatewaySettings { HealthCheckInterval = TimeSpan.FromHours(1), DataDirectory = dataDirectory },

            // MCPF_BENCH_AUDIT=off measures without the audit trail, as the load benchmark does.
            Sections = Environment.GetEnvironmentVariable("MCPF_BENCH_AUDIT") is "off"
                ? new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?> { ["audit"] = AuditSettings.Default with { Enabled = false } })
                : ReadOnlyDictionary<string, object?>.Empty,
        };

        AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref s_exceptions);
        await using McpSecurityIntegration gateway = McpSecurityIntegration.Create(configuration);
        await gateway.InitializeAsync();
        var arguments = new Dictionary<string, JsonElement> { ["seconds"] = JsonSerializer.SerializeToElement(300) };
        if (!await ServeAsync(gateway, served))
        {
            return 1;
        }

        var lastAnswered = new List<double>(rounds);
        var everyCall = new List<double>(rounds * calls);
        int wrongOutcomes = 0;
        Console.Error.WriteLine($"emergency: {rounds} rounds of {calls} calls in flight (fixture {fixtureDll}), {DescribeCollector()}");
        for (int round = 0; round < rounds; round++)
        {
            var answeredAt = new long[calls];
            long triggeredAt = 0;
            Task<ToolCallOutcome>[] inFlight = new Task<ToolCallOutcome>[calls];
            for (int i = 0; i < calls; i++)
            {
                int index = i;
                inFlight[i] = CallAsync(gateway, arguments, answeredAt, index);
            }

            // Every call registered (it has entered the pipeline; the 200 ms below let it pass the audit's commit and reach the fixture).
            long waitStart = Stopwatch.GetTimestamp();
            while (gateway.GetOperationsInFlight().Count < calls)
            {
                await Task.Delay(5);
                if (Stopwatch.GetElapsedTime(waitStart) > TimeSpan.FromMinutes(1))
                {
                    Console.Error.WriteLine($"error: round {round + 1}: only {gateway.GetOperationsInFlight().Count} of {calls} calls in flight after a minute ({inFlight.Count(t => t.IsCompleted)} already answered; emergency active: {gateway.IsEmergencyActive}).");
                    return 1;
                }
            }

            await Task.Delay(200); // let the fixture read them all
            TimeSpan settled = settle ? await WaitForTheJitToSettleAsync() : TimeSpan.Zero;
            long exceptionsBefore = Interlocked.Read(ref s_exceptions);
            int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            int threadsBefore = ThreadPool.ThreadCount;
            long pendingBefore = ThreadPool.PendingWorkItemCount;
            long jittedBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            TimeSpan jitTimeBefore = System.Runtime.JitInfo.GetCompilationTime();
            triggeredAt = Stopwatch.GetTimestamp();
            await gateway.TriggerEmergencyStopAsync($"benchmark round {round}", "benchmark");
            double triggerReturned = Stopwatch.GetElapsedTime(triggeredAt).TotalMilliseconds;
            ToolCallOutcome[] outcomes = await Task.WhenAll(inFlight);
            long exceptions = Interlocked.Read(ref s_exceptions) - exceptionsBefore;
            long last = answeredAt.Max();
            long jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jittedBefore;
            TimeSpan jitTime = System.Runtime.JitInfo.GetCompilationTime() - jitTimeBefore;
            GCMemoryInfo lastGc = GC.GetGCMemoryInfo(GCKind.Any);
            lastAnswered.Add(Stopwatch.GetElapsedTime(triggeredAt, last).TotalMilliseconds);
            everyCall.AddRange(answeredAt.Select(t => Stopwatch.GetElapsedTime(triggeredAt, t).TotalMilliseconds));
            wrongOutcomes += outcomes.Count(o => o.ErrorCode != GatewayErrorCodes.EmergencyStopped);
            // What can hold a round up: collections (count by generation, pause, the last one's heap), the pool's threads and
            // backlog, and methods compiled (a first stop compiles its path; the tiered JIT's background compiles take a core).
            string gc = string.Create(CultureInfo.InvariantCulture, $"GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F1} ms, pool threads {threadsBefore}->{ThreadPool.ThreadCount}, pool backlog at the trigger {pendingBefore}, JIT settled for {settled.TotalMilliseconds:F0} ms before, {jitted} methods compiled in {jitTime.TotalMilliseconds:F1} ms, last GC: gen{lastGc.Generation} heap {lastGc.HeapSizeBytes / 1048576.0:F0} MB promoted {lastGc.PromotedBytes / 1048576.0:F1} MB");
            await gateway.ResumeAsync("benchmark", "next round");
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"emergency: round {round + 1}: trigger returned after {triggerReturned:F1} ms, first answered {Stopwatch.GetElapsedTime(triggeredAt, answeredAt.Min()).TotalMilliseconds:F1} ms, last of {calls} {lastAnswered[^1]:F1} ms after the trigger, {exceptions} first-chance exceptions, {gc}"));
        }

        lastAnswered.Sort();
        everyCall.Sort();
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"Emergency stop, {calls} calls in flight, {rounds} rounds (library front, fixture over stdio), {DescribeCollector()}, {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine(string.Create(ci, $"| measure | p50 | p99 | max |"));
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(string.Create(ci, $"| trigger → last in-flight call answered (per round) | {Percentile(lastAnswered, 0.50):F1} ms | {Percentile(lastAnswered, 0.99):F1} ms | {lastAnswered[^1]:F1} ms |"));
        Console.WriteLine(string.Create(ci, $"| trigger → each call answered (all calls) | {Percentile(everyCall, 0.50):F1} ms | {Percentile(everyCall, 0.99):F1} ms | {everyCall[^1]:F1} ms |"));
        using (Process self = Process.GetCurrentProcess())
        {
            Console.WriteLine(string.Create(ci, $"Peak working set of this process (the gateway, its audit trail and the benchmark's own calls): {self.PeakWorkingSet64 / 1048576.0:F0} MB."));
        }

        Console.WriteLine(string.Create(ci, $"Calls not answered with -31050: {wrongOutcomes}. Goal: p99 of trigger → last answered under {Goal.TotalMilliseconds:F0} ms: {(Percentile(lastAnswered, 0.99) < Goal.TotalMilliseconds ? "met" : "NOT met")}."));
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        return wrongOutcomes == 0 ? 0 : 1;
    }

    /// <summary>Serves <paramref name="calls"/> echo calls, 16 at a time, before the first stop; false (and says why) when one fails.</summary>
    private static async Task<bool> ServeAsync(McpSecurityIntegration gateway, int calls)
    {
        if (calls == 0)
        {
            return true;
        }

        var echo = new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("served before the stop") };
        int next = 0;
        int failed = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= calls)
            {
                ToolCallOutcome outcome = await gateway.ExecuteToolAsync("fixture__echo", echo, "benchmark");
                if (outcome.ErrorCode is not null)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        Console.Error.WriteLine($"emergency: served {calls} echo calls before the first round ({failed} failed)");
        return failed == 0;
    }

    private static async Task<ToolCallOutcome> CallAsync(McpSecurityIntegration gateway, Dictionary<string, JsonElement> arguments, long[] answeredAt, int index)
    {
        await Task.Yield();
        ToolCallOutcome outcome = await gateway.ExecuteToolAsync("fixture__slow", arguments, "benchmark");
        answeredAt[index] = Stopwatch.GetTimestamp();
        return outcome;
    }

    /// <summary>Waits (at most 10 s) until no method has been compiled for 300 ms; returns how long it waited.</summary>
    private static async Task<TimeSpan> WaitForTheJitToSettleAsync()
    {
        long start = Stopwatch.GetTimestamp();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        long quietSince = start;
        while (Stopwatch.GetElapsedTime(quietSince) < TimeSpan.FromMilliseconds(300) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = Stopwatch.GetTimestamp();
            }
        }

        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Which collector this process has, and whether it is the one mcpf runs (Server GC without DATAS).</summary>
    private static string DescribeCollector()
    {
        bool server = System.Runtime.GCSettings.IsServerGC;
        bool adaptive = GC.GetConfigurationVariables().TryGetValue("GCDynamicAdaptationMode", out object? mode) && Convert.ToInt64(mode, CultureInfo.InvariantCulture) != 0;
        return (server, adaptive) switch
        {
            (true, false) => "Server GC without DATAS (as mcpf)",
            (true, true) => "Server GC with DATAS (mcpf runs without it: set DOTNET_GCDynamicAdaptationMode=0 to measure as it runs)",
            _ => "workstation GC (mcpf runs Server GC without DATAS: set DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0 to measure as it runs)",
        };
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
