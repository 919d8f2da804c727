using McpFoundation.Pipeline;

namespace McpFoundation.Audit;

/// <summary>
/// Which gateway made a record, and whether it still runs: several gateways may write one trail (a shared PostgreSQL
/// database, or one data directory). Each is known by its correlation id prefix (<see cref="CorrelationIds.InstancePrefix"/>)
/// and beats every <see cref="HeartbeatEvery"/> into the store with its host and process id. A started call without a
/// finished record is marked unfinished only when the gateway that started it is gone: on this host its process is no
/// longer running (a restart after a crash or a kill marks its calls at once); elsewhere, or unknown, it has not been
/// seen for <see cref="LiveFor"/>. A gateway that starts beside another never marks the other's calls in flight.
/// </summary>
internal static class AuditInstances
{
    /// <summary>How often a running gateway records that it is alive.</summary>
    public static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(10);

    /// <summary>How long after its last heartbeat a gateway still counts as running.</summary>
    public static readonly TimeSpan LiveFor = TimeSpan.FromSeconds(30);

    /// <summary>This process as its heartbeat records it.</summary>
    public static AuditInstance Current(DateTimeOffset now) => new(CorrelationIds.InstancePrefix, now, Environment.MachineName, Environment.ProcessId);

    /// <summary>The started records among <paramref name="unfinished"/> whose gateway is gone (a crash, a kill, a stop).</summary>
    public static IReadOnlyList<AuditRecord> OfGoneInstances(IReadOnlyList<AuditRecord> unfinished, IReadOnlyDictionary<string, AuditInstance> instances, DateTimeOffset now)
    {
        var gone = new List<AuditRecord>(unfinished.Count);
        foreach (AuditRecord started in unfinished)
        {
            string? instance = InstanceOf(started.CorrelationId);
            bool running = instance is not null
                && (instance == CorrelationIds.InstancePrefix
                    || (instances.TryGetValue(instance, out AuditInstance? seen) && IsRunning(seen, now)));
            if (!running)
            {
                gone.Add(started);
            }
        }

        return gone;
    }

    /// <summary>Whether <paramref name="seen"/> still runs: its process exists on this host, or (elsewhere) it beat recently.</summary>
    private static bool IsRunning(AuditInstance seen, DateTimeOffset now)
    {
        if (now - seen.LastSeen >= LiveFor)
        {
            return false;
        }

        if (!string.Equals(seen.Host, Environment.MachineName, StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(seen.ProcessId);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false; // no such process (or it is gone already): it crashed or was killed
        }
    }

    /// <summary>The instance prefix of a correlation id (<c>16 hex digits</c> and a dash), or null for an id of another shape.</summary>
    public static string? InstanceOf(string? correlationId)
    {
        int length = CorrelationIds.InstancePrefix.Length;
        return correlationId is { Length: > 0 } id && id.Length > length && id[length - 1] == '-' ? id[..length] : null;
    }
}
