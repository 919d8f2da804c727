using System.Diagnostics;

namespace McpFoundation.Telemetry;

/// <summary>The names under which McpFoundation publishes traces and metrics.</summary>
public static class GatewayTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and of the meter.</summary>
    public const string SourceName = "McpFoundation";

    internal static ActivitySource ActivitySource { get; } = new(SourceName);
}
