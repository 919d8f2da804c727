using McpFoundation.Pipeline;

namespace McpFoundation.Audit;

/// <summary>
/// Which gateway made a record, and whether it still runs: several gateways may write one trail (a shared PostgreSQL
/// database, or one data directory). Each is known by its correlation id prefix (<see cref="CorrelationIds.InstancePrefix"/>)
/// and beats every <see cref="HeartbeatEvery"/> into the store. A started call without a finished record is marked
/// unfinished only when the gateway that started it is not this one and has not been seen for <see cref="LiveFor"/>:
/// a gateway that starts beside another never marks the other's calls in flight.
/// </summary>
internal static class AuditInstances
{
    /// <summary>How often a running gateway records that it is alive.</summary>
    public static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(10);

    /// <summary>How long after its last heartbeat a gateway still counts as running.</summary>
    public static readonly TimeSpan LiveFor = TimeSpan.FromSeconds(30);

    /// <summary>The started records among <paramref name="unfinished"/> whose gateway is gone (a crash, a kill, a stop).</summary>
    public static IReadOnlyList<AuditRecord> OfGoneInstances(IReadOnlyList<AuditRecord> unfinished, IReadOnlyDictionary<string, DateTimeOffset> instances, DateTimeOffset now)
    {
        var gone = new List<AuditRecord>(unfinished.Count);
        foreach (AuditRecord started in unfinished)
        {
            string? instance = InstanceOf(started.CorrelationId);
            bool running = instance is not null
                && (instance == CorrelationIds.InstancePrefix
                    || (instances.TryGetValue(instance, out DateTimeOffset lastSeen) && now - lastSeen < LiveFor));
            if (!running)
            {
                gone.Add(started);
            }
        }

        return gone;
    }

    /// <summary>The instance prefix of a correlation id (<c>16 hex digits</c> and a dash), or null for an id of another shape.</summary>
    public static string? InstanceOf(string? correlationId)
    {
        int length = CorrelationIds.InstancePrefix.Length;
        return correlationId is { Length: > 0 } id && id.Length > length && id[length - 1] == '-' ? id[..length] : null;
    }
}
