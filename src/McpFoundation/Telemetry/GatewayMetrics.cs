using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpFoundation.Pipeline;

namespace McpFoundation.Telemetry;

/// <summary>The gateway's instruments, created from <see cref="IMeterFactory"/>.</summary>
internal sealed class GatewayMetrics
{
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _operations;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create(GatewayTelemetry.SourceName);
        _operationDuration = meter.CreateHistogram<double>(
            "mcpfoundation.operation.duration",
            unit: "s",
            description: "Time from an operation entering the pipeline to its result, including the downstream server.");
        _operations = meter.CreateCounter<long>(
            "mcpfoundation.operations",
            unit: "{operation}",
            description: "Operations that passed through the pipeline, by method and outcome.");
    }

    public void RecordOperation(OperationContext context, TimeSpan elapsed, string outcome)
    {
        if (!_operationDuration.Enabled && !_operations.Enabled)
        {
            return;
        }

        TagList tags = default;
        tags.Add("mcp.method.name", context.Method);
        tags.Add("mcpfoundation.server", context.ServerId);
        tags.Add("mcpfoundation.outcome", outcome);
        _operationDuration.Record(elapsed.TotalSeconds, tags);
        _operations.Add(1, tags);
    }
}
