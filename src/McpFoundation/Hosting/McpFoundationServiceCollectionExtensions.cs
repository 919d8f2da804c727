using McpFoundation;
using McpFoundation.Audit;
using McpFoundation.Configuration;
using McpFoundation.Emergency;
using McpFoundation.Front;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Routing;
using McpFoundation.Security.Adaptive;
using McpFoundation.Security.Approval;
using McpFoundation.Security.Arguments;
using McpFoundation.Security.Limits;
using McpFoundation.Security.Policy;
using McpFoundation.Sessions;
using McpFoundation.Storage;
using McpFoundation.Telemetry;
using McpFoundation.Tools;
using McpFoundation.Servers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers McpFoundation in a service collection.</summary>
public static class McpFoundationServiceCollectionExtensions
{
    /// <summary>Adds the McpFoundation gateway: configuration, server manager, tool registry, pipeline and front handlers.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets where the configuration comes from.</param>
    /// <returns>A builder to add pipeline filters with.</returns>
    public static IMcpFoundationBuilder AddMcpFoundation(this IServiceCollection services, Action<McpFoundationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<McpFoundationOptions> options = services.AddOptions<McpFoundationOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.Configuration is not null || !string.IsNullOrWhiteSpace(o.ConfigurationPath), "McpFoundation needs a configuration: set ConfigurationPath (a JSON file) or Configuration.");

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new GatewayConfigurationProvider(LoadConfiguration(sp.GetRequiredService<IOptions<McpFoundationOptions>>().Value)));
        services.TryAddSingleton<IStateStore>(static sp => new SqliteStateStore(
            DataDirectory.Resolve(sp.GetRequiredService<GatewayConfigurationProvider>().Current),
            sp.GetRequiredService<TimeProvider>()));
        // The audit trail (docs/audit.md): its store, its checkpoint key, its writer; it is also the security event sink
        // (each event is logged on McpFoundation.Security and written to the trail).
        services.TryAddSingleton<LoggingSecurityEventSink>();
        services.TryAddSingleton(static sp => AuditInstallation.CreateTrail(sp));
        services.TryAddSingleton<ISecurityEventSink>(static sp => sp.GetRequiredService<AuditTrail>());
        services.TryAddSingleton(static sp => new AuditFilter(sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new GatewayMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<OperationRegistry>()));
        services.TryAddSingleton<GatewayEvents>();
        services.TryAddSingleton<OperationRegistry>();
        // The emergency stop: its check is the pipeline's first filter (PolicyInstallation); its state lives in the state store.
        services.TryAddSingleton(static sp => new EmergencyStateStore(sp.GetRequiredService<IStateStore>()));
        services.TryAddSingleton(static sp => new EmergencyStop(
            sp.GetRequiredService<OperationRegistry>(),
            sp.GetRequiredService<GatewayConfigurationProvider>(),
            sp.GetRequiredService<EmergencyStateStore>(),
            sp.GetRequiredService<ISecurityEventSink>(),
            sp.GetRequiredService<GatewayEvents>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<EmergencyStopFilter>();
        services.TryAddSingleton(static sp => new EmergencyWatcher(
            sp.GetRequiredService<EmergencyStop>(),
            sp.GetRequiredService<EmergencyStateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        // The policy: its filter runs after the emergency, adaptive and limits filters (PolicyInstallation), and decides while the configuration snapshot has a policy or a
        // security_profile (PolicyInstallation); the argument inspector and the approval broker are registered below.
        services.TryAddSingleton<PolicyService>();
        services.TryAddSingleton<IPolicyService>(static sp => sp.GetRequiredService<PolicyService>());
        services.TryAddSingleton<SecurityViolations>();
        services.TryAddSingleton<PolicyFilter>();
        // Rate and concurrency limits (docs/limits.md): before the policy filter, rebuilt per configuration snapshot.
        services.TryAddSingleton<LimitsFilter>();
        // The adaptive response (docs/adaptive.md): its filter runs first of the gateway's own and sees their denials.
        services.TryAddSingleton<AdaptiveResponse>();
        services.TryAddSingleton<AdaptiveFilter>();
        services.TryAddSingleton<CallerCatalogueFilter>();
        services.TryAddSingleton<PolicyListNotifier>();
        services.TryAddSingleton(static sp =>
        {
            var pipeline = new OperationPipeline(
                PolicyInstallation.Filters(sp),
                sp.GetRequiredService<OperationRegistry>(),
                sp.GetRequiredService<GatewayMetrics>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<OperationPipeline>>(),
                sp.GetRequiredService<ILoggerFactory>());

            // Denials by filters before the audit filter (the policy) reach the trail through the pipeline's outcome.
            pipeline.Completed += sp.GetRequiredService<AuditTrail>().OnOperationCompleted;
            return pipeline;
        });
        services.TryAddSingleton<SessionRegistry>();
        services.TryAddSingleton<ClientBridge>();
        services.TryAddSingleton(static sp => new ServerManager(
            sp.GetRequiredService<GatewayConfigurationProvider>(),
            sp.GetRequiredService<ClientBridge>(),
            sp.GetRequiredService<GatewayEvents>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<GatewayMetrics>()));
        services.TryAddSingleton<CatalogueStore>();
        services.TryAddSingleton<OperationRouter>();
        services.TryAddSingleton<SuspendedToolCalls>();
        services.TryAddSingleton<ResourceSubscriptions>();
        services.TryAddSingleton<LoggingLevels>();
        services.TryAddSingleton(static sp => new ToolRegistry(
            sp.GetRequiredService<CatalogueStore>(),
            sp.GetRequiredService<OperationPipeline>(),
            sp.GetRequiredService<OperationRouter>(),
            sp.GetRequiredService<SuspendedToolCalls>(),
            sp.GetRequiredService<GatewayEvents>(),
            sp.GetRequiredService<ILogger<ToolRegistry>>()));
        services.TryAddSingleton<IApprovalBroker, ApprovalBroker>();
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.TryAddSingleton<IArgumentInspector>(static sp => new ArgumentInspector(
            sp.GetRequiredService<GatewayConfigurationProvider>(),
            sp.GetRequiredService<IHostResolver>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<GatewayServerOptions>();
        services.TryAddSingleton<CatalogueNotifier>();
        services.TryAddSingleton<ConfigurationReloader>();
        services.TryAddSingleton(static sp => WebhookSinkHolder.Create(sp));
        services.TryAddSingleton(static sp =>
        {
            var gateway = new McpSecurityIntegration(
                sp.GetRequiredService<GatewayConfigurationProvider>(),
                sp.GetRequiredService<ServerManager>(),
                sp.GetRequiredService<ToolRegistry>(),
                sp.GetRequiredService<CatalogueNotifier>(),
                sp.GetRequiredService<OperationRegistry>(),
                sp.GetRequiredService<ConfigurationReloader>(),
                sp.GetRequiredService<IPolicyService>(),
                sp.GetRequiredService<SecurityViolations>(),
                sp.GetRequiredService<PolicyListNotifier>(),
                sp.GetRequiredService<AdaptiveResponse>(),
                sp.GetRequiredService<EmergencyStop>(),
                sp.GetRequiredService<EmergencyWatcher>(),
                sp.GetRequiredService<EmergencyStateStore>(),
                sp.GetRequiredService<IOptions<McpFoundationOptions>>().Value.ListenForEmergencySignal ? sp.GetRequiredService<ILoggerFactory>() : null);

            var metrics = sp.GetRequiredService<GatewayMetrics>();
            gateway.EmergencyActivated += (_, e) => metrics.RecordEmergencyActivation(e.State.Channel ?? "unknown");

            // events.webhook_url: the gateway's events go to the webhook too (docs/events.md).
            if (sp.GetRequiredService<WebhookSinkHolder>().Sink is { } sink)
            {
                WebhookEvents.Attach(gateway, sink);
            }

            return gateway;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, GatewayHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ConfigurationFileWatcher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ToolStatisticsPublisher>());

        // MCP_LOG_LEVEL (settings.log_level) sets the level of the gateway's own categories, McpFoundation.*
        // (the seed's "mcp" and "mcp.security" loggers).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<LoggerFilterOptions>, GatewayLogLevelSetup>());

        // The SDK logs a client's refused request (an McpProtocolException a handler throws) at Error: at Debug here,
        // so that a client cannot fill the log with Error lines; real faults keep their level.
        services.AddLogging();
        // Every entry is redacted with the audit's detectors before any provider writes it (docs/audit.md, Redaction).
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(static sp => new RedactingLoggerFactory(
            new ClientFaultLoggerFactory(ActivatorUtilities.CreateInstance<LoggerFactory>(sp)),
            McpFoundation.Audit.AuditInstallation.CreateRedactor(McpFoundation.Audit.AuditInstallation.SettingsOf(sp.GetRequiredService<GatewayConfigurationProvider>().Current)))));
        return new McpFoundationBuilder(services);
    }

    private static GatewayConfiguration LoadConfiguration(McpFoundationOptions options)
    {
        if (options.Configuration is { } configuration)
        {
            return configuration;
        }

        IReadOnlyDictionary<string, string?> environment = options.Environment ?? GatewayConfigurationLoader.ProcessEnvironment();
        return GatewayConfigurationLoader.LoadOrThrow(options.ConfigurationPath!, environment);
    }
}
