using McpFoundation.Audit.Redaction;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Audit;

/// <summary>Builds the trail from the configuration: the store it names, the key in the data directory, the redactor.</summary>
internal static class AuditInstallation
{
    /// <summary>The trail's settings in a configuration (defaults when it has no <c>audit</c> section).</summary>
    public static AuditSettings SettingsOf(GatewayConfiguration configuration) =>
        configuration.GetSection<AuditSettings>("audit") ?? AuditSettings.Default;

    /// <summary>The store a configuration names: PostgreSQL when a connection string is set, else SQLite in the data directory.</summary>
    public static IAuditStore CreateStore(GatewayConfiguration configuration, string? dataDirectory = null, bool readOnly = false)
    {
        AuditSettings settings = SettingsOf(configuration);
        return settings.ConnectionString is { } connection
            ? new PostgresAuditStore(connection)
            : new SqliteAuditStore(dataDirectory ?? DataDirectory.Resolve(configuration), readOnly);
    }

    /// <summary>The redactor the settings ask for.</summary>
    public static Redactor CreateRedactor(AuditSettings settings) => Redactor.Create(settings.RedactPii, settings.RedactPatterns);

    public static AuditTrail CreateTrail(IServiceProvider services)
    {
        GatewayConfiguration configuration = services.GetRequiredService<GatewayConfigurationProvider>().Current;
        AuditSettings settings = SettingsOf(configuration);
        string dataDirectory = DataDirectory.Resolve(configuration);
        IAuditStore? store = null;
        CheckpointSigner? signer = null;
        if (settings.Enabled)
        {
            store = CreateStore(configuration, dataDirectory);
            signer = CheckpointSigner.FromDataDirectory(DataDirectory.EnsureExists(dataDirectory), create: true);
        }

        var trail = new AuditTrail(
            store,
            signer,
            settings,
            configuration.Settings.AuditLogRetentionDays,
            CreateRedactor(settings),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<LoggingSecurityEventSink>(),
            services.GetRequiredService<ILogger<AuditTrail>>())
        {
            Metrics = services.GetRequiredService<Telemetry.GatewayMetrics>(),
        };
        trail.Metrics.ObserveAuditQueueDepth(() => trail.QueueDepth);
        return trail;
    }
}
