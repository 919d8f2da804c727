namespace McpFoundation.Telemetry;

/// <summary>How the gateway's own log lines are written on the console (stderr).</summary>
public enum LogFormat
{
    /// <summary>One readable line per entry (the default).</summary>
    Text,

    /// <summary>One JSON object per line, with the scopes (the correlation id) as properties: for log collectors.</summary>
    Json,
}

/// <summary>The <c>telemetry</c> section, validated: exporters and the log format (docs/observability.md).</summary>
public sealed record TelemetrySettings
{
    /// <summary>The variable that overrides <c>telemetry.log_format</c>.</summary>
    public const string LogFormatVariable = "MCPF_LOG_FORMAT";

    /// <summary>Gets the settings when the section is absent: no exporter, text logs.</summary>
    public static TelemetrySettings Default { get; } = new();

    /// <summary>Gets the OTLP endpoint traces and metrics are exported to (e.g. <c>http://127.0.0.1:4317</c>); none when null.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Gets the OTLP protocol: <c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; init; } = "grpc";

    /// <summary>Gets a value indicating whether the HTTP front serves Prometheus metrics at <c>/metrics</c>.</summary>
    public bool Prometheus { get; init; }

    /// <summary>Gets the console log format of <c>mcpf serve</c>.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Gets a value indicating whether any exporter is configured (metrics and spans are then recorded).</summary>
    public bool HasExporter => OtlpEndpoint is not null || Prometheus;
}
