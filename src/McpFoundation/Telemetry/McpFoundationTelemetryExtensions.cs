using McpFoundation.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Exports the gateway's traces and metrics with OpenTelemetry (docs/observability.md).</summary>
public static class McpFoundationTelemetryExtensions
{
    /// <summary>
    /// Adds the OpenTelemetry SDK for the gateway's meter and <c>ActivitySource</c> (both named
    /// <see cref="GatewayTelemetry.SourceName"/>) when <paramref name="settings"/> configure an exporter: OTLP traces and
    /// metrics to <see cref="TelemetrySettings.OtlpEndpoint"/>, and whatever <paramref name="metrics"/> and
    /// <paramref name="tracing"/> add (the HTTP front adds Prometheus, tests the in-memory exporter). With no exporter
    /// nothing is added, and instruments and spans stay off: a call pays one branch for each.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="settings">The <c>telemetry</c> section (<c>GatewayConfiguration.Telemetry</c>).</param>
    /// <param name="metrics">Adds metric readers or exporters.</param>
    /// <param name="tracing">Adds span processors or exporters; tracing is on when this or OTLP is given.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMcpFoundationTelemetry(
        this IServiceCollection services,
        TelemetrySettings settings,
        Action<MeterProviderBuilder>? metrics = null,
        Action<TracerProviderBuilder>? tracing = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        Uri? otlp = settings.OtlpEndpoint;
        if (otlp is null && metrics is null && tracing is null)
        {
            return services;
        }

        OtlpExportProtocol protocol = settings.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        OpenTelemetryBuilder builder = services.AddOpenTelemetry();
        if (otlp is not null || metrics is not null)
        {
            builder.WithMetrics(m =>
            {
                m.AddMeter(GatewayTelemetry.SourceName);
                if (otlp is not null)
                {
                    m.AddOtlpExporter(o => Configure(o, otlp, protocol, "v1/metrics"));
                }

                metrics?.Invoke(m);
            });
        }

        if (otlp is not null || tracing is not null)
        {
            builder.WithTracing(t =>
            {
                t.AddSource(GatewayTelemetry.SourceName);

                // The HTTP host starts an unrecorded Activity per request (for log correlation) when no ASP.NET Core
                // instrumentation samples it; the default parent-based sampler would then drop every gateway span.
                t.SetSampler(new AlwaysOnSampler());
                if (otlp is not null)
                {
                    t.AddOtlpExporter(o => Configure(o, otlp, protocol, "v1/traces"));
                }

                tracing?.Invoke(t);
            });
        }

        return services;
    }

    private static void Configure(OtlpExporterOptions options, Uri endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        options.Protocol = protocol;

        // With http/protobuf the SDK takes the endpoint as the full signal URL; a bare collector address gets the signal's path.
        options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, signalPath) : endpoint;
    }
}
