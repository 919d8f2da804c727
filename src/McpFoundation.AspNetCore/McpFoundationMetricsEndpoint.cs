using McpFoundation.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace McpFoundation.AspNetCore;

/// <summary>The HTTP front's telemetry: OpenTelemetry for the gateway, with Prometheus metrics at <c>/metrics</c> (docs/observability.md).</summary>
public static class McpFoundationMetricsEndpoint
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>
    /// Adds the gateway's OpenTelemetry exporters for the HTTP front: OTLP when <see cref="TelemetrySettings.OtlpEndpoint"/>
    /// is set and the Prometheus exporter when <see cref="TelemetrySettings.Prometheus"/> is true (then
    /// <c>MapMcpFoundation</c> maps <c>/metrics</c>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="settings">The <c>telemetry</c> section.</param>
    /// <param name="metrics">Adds more metric readers (tests).</param>
    /// <param name="tracing">Adds span processors (tests).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMcpFoundationHttpTelemetry(this IServiceCollection services, TelemetrySettings settings, Action<MeterProviderBuilder>? metrics = null, Action<TracerProviderBuilder>? tracing = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Action<MeterProviderBuilder>? withPrometheus = settings.Prometheus
            ? m =>
            {
                m.AddPrometheusExporter();
                metrics?.Invoke(m);
            }
            : metrics;
        if (settings.Prometheus)
        {
            services.AddSingleton<PrometheusEndpointMarker>();
        }

        return services.AddMcpFoundationTelemetry(settings, withPrometheus, tracing);
    }

    /// <summary>Maps <c>/metrics</c> when the Prometheus exporter was added.</summary>
    internal static void MapIfEnabled(IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<PrometheusEndpointMarker>() is not null)
        {
            endpoints.MapPrometheusScrapingEndpoint(Path);
        }
    }

    private sealed class PrometheusEndpointMarker;
}
