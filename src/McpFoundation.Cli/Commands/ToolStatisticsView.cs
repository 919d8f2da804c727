using System.Globalization;
using System.Text.Json;
using McpFoundation.Storage;
using McpFoundation.Tools;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf tools list --stats</c>: the tools with the statistics the serving gateway published to the data directory.</summary>
internal static class ToolStatisticsView
{
    public static async Task<int> WriteAsync(McpSecurityIntegration gateway, IReadOnlyList<ToolInfo> tools, bool json, CancellationToken cancellationToken)
    {
        var store = new SqliteStateStore(DataDirectory.Resolve(gateway.Configuration), TimeProvider.System);
        PublishedToolStatistics? published = await ToolStatisticsPublisher.ReadAsync(store, cancellationToken);
        Dictionary<string, ToolStatistics> byName = published?.Tools.ToDictionary(static t => t.ToolName, StringComparer.Ordinal) ?? [];
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(
                new
                {
                    publishedAt = published?.PublishedAt,
                    tools = tools.Select(t => byName.TryGetValue(t.Name, out ToolStatistics? s)
                        ? new { name = t.Name, server = t.ServerId, calls = s.Calls, errors = s.Errors, errorRate = s.ErrorRate, p50Ms = s.P50.TotalMilliseconds, p95Ms = s.P95.TotalMilliseconds, p99Ms = s.P99.TotalMilliseconds }
                        : new { name = t.Name, server = t.ServerId, calls = 0L, errors = 0L, errorRate = 0.0, p50Ms = 0.0, p95Ms = 0.0, p99Ms = 0.0 }),
                },
                CliJson.Indented));
            return ExitCodes.Success;
        }

        int width = Math.Max(4, tools.Count == 0 ? 4 : tools.Max(t => t.Name.Length));
        Console.Out.WriteLine($"{"NAME".PadRight(width)}  {"CALLS",8}  {"ERRORS",7}  {"P50 MS",9}  {"P99 MS",9}");
        foreach (ToolInfo tool in tools)
        {
            Console.Out.WriteLine(byName.TryGetValue(tool.Name, out ToolStatistics? s)
                ? string.Create(CultureInfo.InvariantCulture, $"{tool.Name.PadRight(width)}  {s.Calls,8}  {s.ErrorRate,7:P1}  {s.P50.TotalMilliseconds,9:0.###}  {s.P99.TotalMilliseconds,9:0.###}")
                : $"{tool.Name.PadRight(width)}  {0,8}  {"-",7}  {"-",9}  {"-",9}");
        }

        Console.Error.WriteLine(published is null
            ? "mcpf: no statistics yet: `mcpf serve` publishes them to the data directory every 5 s once tools are called."
            : string.Create(CultureInfo.InvariantCulture, $"mcpf: statistics of the serving gateway, published {published.PublishedAt:u} (since its start; latencies of its latest {ToolStatisticsTracker.ReservoirSize} calls per tool)."));
        return ExitCodes.Success;
    }
}
