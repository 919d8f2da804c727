namespace McpFoundation.Audit;

/// <summary>Per-tool figures from the trail (<c>mcpf audit stats</c>).</summary>
/// <param name="Target">The tool, resource or prompt.</param>
/// <param name="Calls">Finished operations.</param>
/// <param name="Denials">Of them, refused by a filter.</param>
/// <param name="Errors">Of them, failed (an error or cancellation).</param>
/// <param name="P50Ms">The median latency of the ones that ran, in milliseconds.</param>
/// <param name="P99Ms">The 99th percentile latency of the ones that ran, in milliseconds.</param>
public sealed record AuditToolStatistics(string Target, long Calls, long Denials, long Errors, double? P50Ms, double? P99Ms)
{
    /// <summary>Computes the figures over the finished records in <paramref name="records"/>.</summary>
    public static async Task<List<AuditToolStatistics>> ComputeAsync(IAsyncEnumerable<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var byTarget = new Dictionary<string, (long Calls, long Denials, long Errors, List<double> Latencies)>(StringComparer.Ordinal);
        await foreach (AuditRecord record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (record.Kind != AuditRecordKind.OperationFinished)
            {
                continue;
            }

            string target = record.Target ?? record.Method ?? "(none)";
            if (!byTarget.TryGetValue(target, out var entry))
            {
                entry = (0, 0, 0, []);
            }

            entry.Calls++;
            if (record.Outcome == AuditRecord.Outcomes.Denied)
            {
                entry.Denials++;
            }
            else
            {
                if (record.Outcome is AuditRecord.Outcomes.Error or AuditRecord.Outcomes.Cancelled or AuditRecord.Outcomes.Unfinished)
                {
                    entry.Errors++;
                }

                if (record.LatencyMs is { } latency)
                {
                    entry.Latencies.Add(latency);
                }
            }

            byTarget[target] = entry;
        }

        return [.. byTarget.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e =>
        {
            e.Value.Latencies.Sort();
            return new AuditToolStatistics(e.Key, e.Value.Calls, e.Value.Denials, e.Value.Errors, Percentile(e.Value.Latencies, 0.50), Percentile(e.Value.Latencies, 0.99));
        })];
    }

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
