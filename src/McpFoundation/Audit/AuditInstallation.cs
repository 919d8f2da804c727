using McpFoundation.Audit.Redaction;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Audit;

/// <summary>Builds the trail from the configuration: the store it names, the key in the data directory, the redactor.</summary>
internal static partial class AuditInstallation
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

    /// <summary>This gateway's journal, or null (then each started record waits for its commit) when it is off or cannot be made.</summary>
    private static AuditJournal? CreateJournal(AuditSettings settings, string dataDirectory, ILogger logger)
    {
        if (settings.JournalBytes <= 0)
        {
            return null;
        }

        try
        {
            return AuditJournal.Create(dataDirectory, settings.JournalBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            LogJournalUnavailable(logger, Path.Combine(dataDirectory, AuditJournal.DirectoryName), ex);
            return null;
        }
    }

    [LoggerMessage(EventId = 3009, EventName = "AuditJournalUnavailable", Level = LogLevel.Warning, Message = "The audit journal could not be created in {Directory}; every call waits for its started record's commit instead (slower, just as safe)")]
    private static partial void LogJournalUnavailable(ILogger logger, string directory, Exception exception);

    public static AuditTrail CreateTrail(IServiceProvider services)
    {
        GatewayConfiguration configuration = services.GetRequiredService<GatewayConfigurationProvider>().Current;
        AuditSettings settings = SettingsOf(configuration);
        string dataDirectory = DataDirectory.Resolve(configuration);
        IAuditStore? store = null;
        CheckpointSigner? signer = null;
        AuditJournal? journal = null;
        ILogger<AuditTrail> logger = services.GetRequiredService<ILogger<AuditTrail>>();
        if (settings.Enabled)
        {
            store = CreateStore(configuration, dataDirectory);
            signer = CheckpointSigner.FromDataDirectory(DataDirectory.EnsureExists(dataDirectory), create: true);
            journal = CreateJournal(settings, dataDirectory, logger);
        }

        var trail = new AuditTrail(
            store,
            signer,
            settings,
            configuration.Settings.AuditLogRetentionDays,
            CreateRedactor(settings),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<LoggingSecurityEventSink>(),
            logger,
            journal,
            settings.Enabled ? dataDirectory : null)
        {
            Metrics = services.GetRequiredService<Telemetry.GatewayMetrics>(),
        };
        trail.Metrics.ObserveAuditQueueDepth(() => trail.QueueDepth);
        return trail;
    }
}
