using System.Collections.Concurrent;

namespace McpFoundation.Tools;

/// <summary>What the gateway has seen of one tool since it started (<c>GetToolStatistics</c>, <c>mcpf tools list --stats</c>).</summary>
/// <param name="ToolName">The exposed tool name.</param>
/// <param name="ServerId">The server that runs it.</param>
/// <param name="Calls">Calls that reached the pipeline and were routed to the tool, however they ended.</param>
/// <param name="Errors">Calls that failed, were denied, or answered with <c>isError</c>.</param>
/// <param name="P50">The median latency of the most recent calls (up to <see cref="ToolStatisticsTracker.ReservoirSize"/>).</param>
/// <param name="P95">The 95th percentile latency of the most recent calls.</param>
/// <param name="P99">The 99th percentile latency of the most recent calls.</param>
public sealed record ToolStatistics(string ToolName, string? ServerId, long Calls, long Errors, TimeSpan P50, TimeSpan P95, TimeSpan P99)
{
    /// <summary>Gets the share of calls that were errors, from 0 to 1.</summary>
    public double ErrorRate => Calls == 0 ? 0 : (double)Errors / Calls;
}

/// <summary>
/// Per-tool counts and latencies kept in memory: two interlocked counters and a fixed ring of the latest latencies per
/// tool, written without a lock (a slot written by two calls at once keeps one of them, which percentiles tolerate).
/// Percentiles are computed only when read. Bounded: only tools the catalogue resolved are tracked.
/// </summary>
internal sealed class ToolStatisticsTracker
{
    /// <summary>How many recent latencies each tool keeps for its percentiles.</summary>
    public const int ReservoirSize = 1024;

    private readonly ConcurrentDictionary<string, Entry> _tools = new(StringComparer.Ordinal);

    public void Record(string toolName, string? serverId, bool error, TimeSpan duration)
    {
        Entry entry = _tools.TryGetValue(toolName, out Entry? found) ? found : _tools.GetOrAdd(toolName, static (_, server) => new Entry(server), serverId);
        entry.Record(error, duration);
    }

    public IReadOnlyList<ToolStatistics> Snapshot() =>
        [.. _tools.Select(static pair => pair.Value.Snapshot(pair.Key)).OrderBy(static s => s.ToolName, StringComparer.Ordinal)];

    private sealed class Entry(string? serverId)
    {
        private readonly long[] _latencyTicks = new long[ReservoirSize];
        private long _calls;
        private long _errors;

        public void Record(bool error, TimeSpan duration)
        {
            long n = Interlocked.Increment(ref _calls);
            if (error)
            {
                Interlocked.Increment(ref _errors);
            }

            Volatile.Write(ref _latencyTicks[(n - 1) % ReservoirSize], Math.Max(1, duration.Ticks));
        }

        public ToolStatistics Snapshot(string name)
        {
            long calls = Volatile.Read(ref _calls);
            long[] sample = [.. _latencyTicks.Where(static t => t > 0)];
            Array.Sort(sample);
            return new ToolStatistics(name, serverId, calls, Volatile.Read(ref _errors), Percentile(sample, 0.50), Percentile(sample, 0.95), Percentile(sample, 0.99));
        }

        private static TimeSpan Percentile(long[] sorted, double p) =>
            sorted.Length == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);
    }
}
