using System.Diagnostics;

namespace McpFoundation.Telemetry;

/// <summary>The names under which McpFoundation publishes traces, metrics and logs (docs/observability.md).</summary>
public static class GatewayTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and of the meter.</summary>
    public const string SourceName = "McpFoundation";

    /// <summary>The <c>_meta</c> key under which every forwarded request carries the operation's correlation id.</summary>
    public const string CorrelationIdMetaKey = "io.mcpfoundation/correlationId";

    /// <summary>The log category of security events (denials, violations, emergency stops): the seed's <c>mcp.security</c> logger.</summary>
    public const string SecurityCategory = "McpFoundation.Security";

    /// <summary>The span attribute and logging scope key that carry the correlation id.</summary>
    public const string CorrelationIdAttribute = "mcpfoundation.correlation_id";

    internal static ActivitySource ActivitySource { get; } = new(SourceName, GatewayVersion.Current);
}
