using System.Diagnostics;
using McpFoundation.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>
/// Fuzzed frames against both fronts of the real gateway (in process, the fixture server behind it): no 5xx, no
/// dropped connection, no hang, nothing logged above Warning, memory flat, and a normal call works afterwards.
/// The seed is printed; set MCPF_FUZZ_SEED to replay a run, MCPF_FUZZ_FRAMES to change its length.
/// </summary>
public sealed class FrontFuzzTests(ITestOutputHelper output)
{
    private const string ToolName = "fixture__echo";
    private const long MaxGrowthBytes = 50L * 1024 * 1024;
    private const int RoundFrames = 50_000;

    [Fact]
    [Trait("Category", "Security")]
    public Task FuzzedFrames_BothFronts_AnsweredWithoutServerErrors() => RunAsync(DefaultFrames: 20_000, TimeSpan.FromMinutes(5));

    /// <summary>The long run (1,000,000 frames); excluded from the normal test run (scripts/test.sh filters Category!=Fuzz).</summary>
    [Fact]
    [Trait("Category", "Fuzz")]
    public Task FuzzedFrames_LongRun_AnsweredWithoutServerErrors() => RunAsync(DefaultFrames: 1_000_000, TimeSpan.FromHours(6));

    private async Task RunAsync(int DefaultFrames, TimeSpan limit)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MCPF_FUZZ_SEED"), out int s) ? s : Random.Shared.Next();
        int frames = int.TryParse(Environment.GetEnvironmentVariable("MCPF_FUZZ_FRAMES"), out int f) ? f : DefaultFrames;
        bool sharedSession = Environment.GetEnvironmentVariable("MCPF_FUZZ_SHARED_SESSION") == "1";
        output.WriteLine($"fuzz seed {seed} (replay with MCPF_FUZZ_SEED={seed}), {frames} frames, HTTP workers in {(sharedSession ? "one shared session" : "a session each")}");
        using var cts = new CancellationTokenSource(limit);
        var warnings = new WarningCapture();
        await using GatewayHost host = await GatewayHost.StartAsync(
            TestServers.Configuration(TestServers.Fixture("fixture", "--no-resources")),
            cts.Token,
            services: services => services.AddSingleton<ILoggerProvider>(warnings));
        var report = new FuzzReport(seed);
        var clock = Stopwatch.StartNew();
        string? reportPath = Environment.GetEnvironmentVariable("MCPF_FUZZ_REPORT") is { Length: > 0 } p ? p : null;

        // Warm up (JIT, pools), then measure the managed heap from there.
        await FrontFuzzer.RunHttpAsync(host, new FrameMutator(seed ^ 0x5eed, ToolName), 300, 4, new FuzzReport(seed), cts.Token);
        long before = Heap();
        long after = before;
        long peakGrowth = 0;

        // Rounds of at most RoundFrames frames, half on each front, each with its own seed derived from the run's; a
        // snapshot of the figures is written after each round, so a long run that is stopped still leaves its figures.
        int round = 0;
        for (int done = 0; done < frames; done += RoundFrames, round++)
        {
            int chunk = Math.Min(RoundFrames, frames - done);
            await FrontFuzzer.RunHttpAsync(host, new FrameMutator(seed + (2 * round), ToolName), chunk / 2, 4, report, cts.Token, sharedSession);
            await FrontFuzzer.RunStdioAsync(host, new FrameMutator(seed + (2 * round) + 1, ToolName), chunk - (chunk / 2), report, cts.Token);
            after = Heap();
            peakGrowth = Math.Max(peakGrowth, after - before);
            if (reportPath is not null)
            {
                await File.WriteAllTextAsync(reportPath, $"in progress: {Figures(report, clock, before, after, peakGrowth)}{Environment.NewLine}{string.Join(Environment.NewLine, report.Failures.Concat(report.InternalErrors()).Concat(report.Notes))}{Environment.NewLine}", cts.Token);
            }
        }

        clock.Stop();

        // A normal call still works, on both fronts.
        foreach (GatewayFront front in new[] { GatewayFront.Http, GatewayFront.Stdio })
        {
            await using TestClient client = await host.ConnectAsync(front, cts.Token);
            CallToolResult result = await client.Client.CallToolAsync(ToolName, new Dictionary<string, object?> { ["message"] = "still here" }, cancellationToken: cts.Token);
            Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        }

        string summary = Figures(report, clock, before, after, peakGrowth);
        output.WriteLine(summary);
        string[] internalErrors = [.. report.InternalErrors()];
        foreach (string note in report.Notes.Concat(internalErrors))
        {
            output.WriteLine(note);
        }

        if (reportPath is not null)
        {
            await File.WriteAllTextAsync(reportPath, summary + Environment.NewLine + string.Join(Environment.NewLine, report.Failures.Concat(warnings.Entries).Concat(internalErrors).Concat(report.Notes)), cts.Token);
        }

        Assert.True(report.Failures.Count == 0, $"seed {seed}: {report.Failures.Count} failures (replay with MCPF_FUZZ_SEED={seed}):\n{string.Join("\n", report.Failures)}\n{summary}");
        Assert.True(report.InternalErrorCount == 0, $"seed {seed}: {report.InternalErrorCount} answers -32603 (internal error) to fuzzed frames, by shape:\n{string.Join("\n", internalErrors)}\n{summary}");
        Assert.True(warnings.Entries.Count == 0, $"seed {seed}: logged above Warning:\n{string.Join("\n", warnings.Entries)}");
        Assert.True(peakGrowth < MaxGrowthBytes, $"seed {seed}: the managed heap grew by {peakGrowth / 1048576} MB (limit 50 MB). {summary}");
        Assert.Equal(frames, report.Frames);
    }

    private static string Figures(FuzzReport report, Stopwatch clock, long before, long after, long peakGrowth) =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{report.Summary()}; {clock.Elapsed.TotalSeconds:F1} s; managed heap {before / 1048576} MB -> {after / 1048576} MB (largest growth {peakGrowth / 1048576} MB); peak RSS of the test process {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MB");

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
