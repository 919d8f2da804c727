using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpFoundation.Pipeline;
using McpFoundation.Servers;

namespace McpFoundation.Telemetry;

/// <summary>
/// The gateway's instruments (meter <see cref="GatewayTelemetry.SourceName"/>, created from <see cref="IMeterFactory"/>),
/// listed with their units and tags in docs/observability.md. Every recording method checks that somebody listens
/// before it builds tags, so with no exporter a call costs one branch per instrument; tags are built in a
/// <see cref="TagList"/> on the stack.
/// </summary>
internal sealed class GatewayMetrics
{
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _operations;
    private readonly Counter<long> _policyDecisions;
    private readonly Counter<long> _serverRestarts;
    private readonly Counter<long> _serverHealthChanges;
    private readonly Counter<long> _emergencyActivations;
    private readonly Histogram<double> _auditWriteDuration;
    private readonly ConcurrentDictionary<string, ServerStatus> _servers = new(StringComparer.Ordinal);
    private Func<long>? _auditQueueDepthSource;
    private long _auditQueueDepth = -1; // -1: nothing reported yet, so no measurement

    public GatewayMetrics(IMeterFactory meterFactory, OperationRegistry? operations = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(GatewayTelemetry.SourceName, GatewayVersion.Current);
        _operationDuration = meter.CreateHistogram(
            "mcpfoundation.operation.duration",
            unit: "s",
            description: "Time from an operation entering the pipeline to its result, including the downstream server.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _operations = meter.CreateCounter<long>(
            "mcpfoundation.operations",
            unit: "{operation}",
            description: "Operations that passed through the pipeline, by method, server, tool and outcome.");
        _policyDecisions = meter.CreateCounter<long>(
            "mcpfoundation.policy.decisions",
            unit: "{decision}",
            description: "Decisions of the policy, by effect and deciding rule.");
        meter.CreateObservableUpDownCounter(
            "mcpfoundation.operations.active",
            () => (long)(operations?.Count ?? 0),
            unit: "{operation}",
            description: "Operations in the gateway now, from entering the pipeline to their outcome (suspended calls included).");
        meter.CreateObservableGauge(
            "mcpfoundation.server.up",
            ObserveServers,
            unit: "1",
            description: "1 while a configured server is connected and answering, 0 otherwise.");
        _serverHealthChanges = meter.CreateCounter<long>(
            "mcpfoundation.server.health.changes",
            unit: "{change}",
            description: "Changes of a server's health state, by server and the state it changed to.");
        _serverRestarts = meter.CreateCounter<long>(
            "mcpfoundation.server.restarts",
            unit: "{restart}",
            description: "Times a server that had been connected was connected again (a restart or a reconnection).");
        _emergencyActivations = meter.CreateCounter<long>(
            "mcpfoundation.emergency.activations",
            unit: "{activation}",
            description: "Emergency stop activations, by the channel that triggered them.");
        meter.CreateObservableGauge(
            "mcpfoundation.audit.queue.depth",
            ObserveAuditQueueDepth,
            unit: "{record}",
            description: "Audit records waiting for the audit writer.");
        _auditWriteDuration = meter.CreateHistogram(
            "mcpfoundation.audit.write.duration",
            unit: "s",
            description: "Time the audit writer took to commit one batch of records.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
    }

    /// <summary>Counts an emergency stop activation (the emergency feature calls this).</summary>
    /// <param name="channel">What triggered it: <c>cli</c>, <c>signal</c>, <c>file</c>, <c>api</c>, <c>library</c>...</param>
    public void RecordEmergencyActivation(string channel)
    {
        if (_emergencyActivations.Enabled)
        {
            _emergencyActivations.Add(1, new KeyValuePair<string, object?>("mcpfoundation.emergency.channel", channel));
        }
    }

    /// <summary>Reports how many audit records wait for the writer now (the audit feature calls this when it enqueues or drains).</summary>
    /// <param name="depth">The number of records queued.</param>
    public void RecordAuditQueueDepth(long depth) => Volatile.Write(ref _auditQueueDepth, Math.Max(0, depth));

    /// <summary>Lets the audit feature hand over a delegate that reads its queue depth at each collection instead of reporting it.</summary>
    /// <param name="depth">Reads the number of records queued; must be cheap and must not block.</param>
    public void ObserveAuditQueueDepth(Func<long> depth) => Volatile.Write(ref _auditQueueDepthSource, depth);

    /// <summary>Records how long the audit writer took to commit one batch (the audit feature calls this).</summary>
    /// <param name="elapsed">The batch's commit time.</param>
    public void RecordAuditWrite(TimeSpan elapsed)
    {
        if (_auditWriteDuration.Enabled)
        {
            _auditWriteDuration.Record(elapsed.TotalSeconds);
        }
    }

    internal void RecordOperation(OperationContext context, TimeSpan elapsed, string outcome)
    {
        if (!_operationDuration.Enabled && !_operations.Enabled)
        {
            return;
        }

        TagList tags = default;
        tags.Add("mcp.method.name", context.Method);
        tags.Add("mcpfoundation.server", context.ServerId);
        if (context.Category == OperationCategory.ToolExecution)
        {
            // The exposed name of a tool the catalogue knows (bounded); an unknown name the client made up is not a tag value.
            tags.Add("gen_ai.tool.name", context.IsResolved ? context.TargetName : null);
        }

        tags.Add("mcpfoundation.outcome", outcome);
        _operationDuration.Record(elapsed.TotalSeconds, tags);
        _operations.Add(1, tags);
    }

    internal void RecordPolicyDecision(string effect, string rule)
    {
        if (_policyDecisions.Enabled)
        {
            _policyDecisions.Add(1, new KeyValuePair<string, object?>("mcpfoundation.policy.effect", effect), new KeyValuePair<string, object?>("mcpfoundation.policy.rule", rule));
        }
    }

    internal void RecordServerHealth(string serverId, ServerState current)
    {
        bool restarted = false;
        _servers.AddOrUpdate(
            serverId,
            static (_, state) => new ServerStatus(state, state == ServerState.Connected),
            (_, previous, state) =>
            {
                restarted = state == ServerState.Connected && previous.WasConnected && previous.State != ServerState.Connected;
                return new ServerStatus(state, previous.WasConnected || state == ServerState.Connected);
            },
            current);
        if (current == ServerState.Stopped)
        {
            _servers.TryRemove(serverId, out _);
        }

        if (_serverHealthChanges.Enabled)
        {
            _serverHealthChanges.Add(1, new KeyValuePair<string, object?>("mcpfoundation.server", serverId), new KeyValuePair<string, object?>("mcpfoundation.server.state", StateName(current)));
        }

        if (restarted && _serverRestarts.Enabled)
        {
            _serverRestarts.Add(1, new KeyValuePair<string, object?>("mcpfoundation.server", serverId));
        }
    }

    internal static string StateName(ServerState state) => state switch
    {
        ServerState.Disabled => "disabled",
        ServerState.Connecting => "connecting",
        ServerState.Connected => "connected",
        ServerState.Failed => "failed",
        _ => "stopped",
    };

    private IEnumerable<Measurement<int>> ObserveServers()
    {
        foreach ((string id, ServerStatus status) in _servers)
        {
            yield return new Measurement<int>(status.State == ServerState.Connected ? 1 : 0, new KeyValuePair<string, object?>("mcpfoundation.server", id));
        }
    }

    private IEnumerable<Measurement<long>> ObserveAuditQueueDepth()
    {
        if (Volatile.Read(ref _auditQueueDepthSource) is { } source)
        {
            yield return new Measurement<long>(source());
        }
        else if (Volatile.Read(ref _auditQueueDepth) is >= 0 and var depth)
        {
            yield return new Measurement<long>(depth);
        }
    }

    private readonly record struct ServerStatus(ServerState State, bool WasConnected);
}
