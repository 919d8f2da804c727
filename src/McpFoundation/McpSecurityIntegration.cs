using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Emergency;
using McpFoundation.Front;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Security.Adaptive;
using McpFoundation.Security.Policy;
using McpFoundation.Tools;
using McpFoundation.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpFoundation;

/// <summary>
/// The seed's <c>MCPSecurityIntegration</c>: the one object an embedding application holds. It starts the configured
/// servers, and every tool call made through it passes the gateway's pipeline.
/// </summary>
public sealed class McpSecurityIntegration : IAsyncDisposable
{
    private readonly GatewayConfigurationProvider _configuration;
    private readonly CatalogueNotifier _notifier;
    private readonly OperationRegistry _operations;
    private readonly ConfigurationReloader _reloader;
    private readonly PolicyListNotifier _policyLists;
    private readonly IPolicyService _policy;
    private readonly SecurityViolations _violations;
    private readonly AdaptiveResponse _adaptive;
    private readonly EmergencyStop _emergency;
    private readonly EmergencyWatcher _emergencyWatcher;
    private readonly EmergencyStateStore _emergencyStore;
    private readonly ILoggerFactory? _signalLoggerFactory;
    private EmergencySignal? _emergencySignal;
    private readonly SemaphoreSlim _initializeLock = new(1, 1);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServiceProvider? _ownedServices;
    private bool _initialized;
    private bool _disposed;

    internal McpSecurityIntegration(GatewayConfigurationProvider configuration, ServerManager serverManager, ToolRegistry toolRegistry, CatalogueNotifier notifier, OperationRegistry operations, ConfigurationReloader reloader, IPolicyService policy, SecurityViolations violations, PolicyListNotifier policyLists, AdaptiveResponse adaptive, EmergencyStop emergency, EmergencyWatcher emergencyWatcher, EmergencyStateStore emergencyStore, ILoggerFactory? signalLoggerFactory)
    {
        _adaptive = adaptive;
        _adaptive.Sender = this;
        _emergency = emergency;
        _emergency.Sender = this;
        _emergency.Servers = serverManager;
        _emergencyWatcher = emergencyWatcher;
        _emergencyStore = emergencyStore;
        _signalLoggerFactory = signalLoggerFactory;
        _policyLists = policyLists;
        _reloader = reloader;
        _operations = operations;
        _policy = policy;
        _violations = violations;
        _violations.Sender = this;
        _configuration = configuration;
        ServerManager = serverManager;
        ToolRegistry = toolRegistry;
        _notifier = notifier;
    }

    /// <summary>Gets the server manager (the seed's <c>server_manager</c>).</summary>
    public ServerManager ServerManager { get; }

    /// <summary>Gets the tool registry (the seed's <c>tool_registry</c>).</summary>
    public ToolRegistry ToolRegistry { get; }

    /// <summary>
    /// Gets a task that completes when <see cref="InitializeAsync"/> has started every server (faulted if it failed):
    /// the HTTP front binds its port before the servers start and holds the requests that arrive meanwhile on it.
    /// </summary>
    internal Task Started => _started.Task;

    /// <summary>Gets the configuration snapshot in force.</summary>
    public GatewayConfiguration Configuration => _configuration.Current;

    /// <summary>Creates a gateway outside a dependency-injection host, from a configuration built in code or loaded from a file.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="loggerFactory">Where logs go; none if null.</param>
    /// <param name="configure">Adds pipeline filters (<c>b =&gt; b.AddFilter&lt;MyFilter&gt;()</c>), as <c>AddMcpFoundation</c> would.</param>
    /// <returns>The gateway; call <see cref="InitializeAsync"/> next.</returns>
    public static McpSecurityIntegration Create(GatewayConfiguration configuration, ILoggerFactory? loggerFactory = null, Action<IMcpFoundationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        IMcpFoundationBuilder builder = services.AddMcpFoundation(o => o.Configuration = configuration);
        configure?.Invoke(builder);
        ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        McpSecurityIntegration gateway = provider.GetRequiredService<McpSecurityIntegration>();
        gateway._ownedServices = provider;
        return gateway;
    }

    /// <summary>Starts and connects every enabled server, and discovers their tools, resources and prompts.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when every server is connected or has failed (a failed server does not stop the others).</returns>
    /// <exception cref="ConfigurationException">With namespacing <c>none</c>, two servers offer the same tool or prompt name.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _initializeLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            // The saved emergency state first: a gateway started while stopped refuses its first call.
            await _emergencyWatcher.StartAsync(cancellationToken);
            if (_signalLoggerFactory is not null)
            {
                _emergencySignal ??= EmergencySignal.Listen(_emergency, _signalLoggerFactory);
            }

            await ServerManager.StartAsync(cancellationToken);
            GatewayCatalogue catalogue = ToolRegistry.Catalogue.Rebuild();
            if (catalogue.Collisions.Count > 0)
            {
                await ServerManager.DisposeAsync();
                var collision = new ConfigurationException([.. catalogue.Collisions.Select(c => new ConfigurationError("namespacing", c))]);
                _started.TrySetException(collision);
                throw collision;
            }

            _initialized = true;
            _started.TrySetResult();
        }
        finally
        {
            _initializeLock.Release();
        }
    }

    /// <summary>Executes a tool through the pipeline on behalf of a user (the seed's <c>execute_tool</c>).</summary>
    /// <param name="toolName">The exposed tool name.</param>
    /// <param name="arguments">The tool's arguments.</param>
    /// <param name="userId">The user on whose behalf the call is made.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The result, or the error, as a value.</returns>
    public ValueTask<ToolCallOutcome> ExecuteToolAsync(string toolName, IReadOnlyDictionary<string, JsonElement>? arguments = null, string? userId = null, CancellationToken cancellationToken = default) =>
        ToolRegistry.ExecuteToolAsync(toolName, arguments, userId, cancellationToken);

    /// <summary>
    /// Raised for every denial by the policy (an explicit deny, the default, an argument check, a refused or unavailable
    /// approval) and, in shadow mode, for what would have been denied (<see cref="SecurityViolationEventArgs.IsShadow"/>);
    /// the seed's <c>security_violation</c>. Raised on the gateway's event worker, never on a request thread.
    /// </summary>
    public event EventHandler<SecurityViolationEventArgs>? SecurityViolation
    {
        add => _violations.Raised += value;
        remove => _violations.Raised -= value;
    }

    /// <summary>Gets a value indicating whether the gateway is under an emergency stop (the seed's <c>is_emergency_active()</c>).</summary>
    public bool IsEmergencyActive => _emergency.IsActive;

    /// <summary>Gets the emergency state: stopped or not, by whom, why, when, through which channel, and the last resume.</summary>
    public EmergencyState EmergencyState => _emergency.State;

    /// <summary>
    /// Stops the gateway at once (the seed's <c>trigger_emergency_stop(reason, initiator)</c>): every new operation is
    /// refused with <see cref="GatewayErrorCodes.EmergencyStopped"/>, every operation in flight is cancelled downstream
    /// and answered with that error, the stdio servers are killed with their process groups when
    /// <c>emergency.kill_servers</c> is set; the stop is logged, audited, raised as <see cref="EmergencyActivated"/> and
    /// saved in the state store, so that every gateway on the data directory and a restart stay stopped until resumed.
    /// </summary>
    /// <param name="reason">Why (required; shown to every refused caller).</param>
    /// <param name="initiator">Who (required).</param>
    /// <param name="cancellationToken">Stops waiting for the state to be saved; the stop itself is not undone.</param>
    /// <returns>The state (the first stop's, if the gateway was already stopped).</returns>
    public Task<EmergencyState> TriggerEmergencyStopAsync(string reason, string initiator, CancellationToken cancellationToken = default) =>
        _emergency.TriggerAsync(reason, initiator, EmergencyChannels.Library, persist: true, cancellationToken);

    /// <summary>Ends an emergency stop: calls pass again, servers the stop killed are started again. Audited.</summary>
    /// <param name="initiator">Who resumes.</param>
    /// <param name="reason">Why (required).</param>
    /// <param name="cancellationToken">Stops waiting for the state to be saved.</param>
    /// <returns>The state after the resume.</returns>
    /// <exception cref="ArgumentException">No reason.</exception>
    /// <exception cref="InvalidOperationException">The stop file still exists (remove it first).</exception>
    public Task<EmergencyState> ResumeAsync(string initiator, string reason, CancellationToken cancellationToken = default) =>
        _emergency.ResumeAsync(initiator, reason, EmergencyChannels.Library, persist: true, cancellationToken);

    /// <summary>Raised when the gateway is stopped, through any channel (the seed's <c>emergency_activated</c>); on the gateway's event worker.</summary>
    public event EventHandler<EmergencyActivatedEventArgs>? EmergencyActivated
    {
        add => _emergency.Activated += value;
        remove => _emergency.Activated -= value;
    }

    /// <summary>Raised when an emergency stop ends; on the gateway's event worker.</summary>
    public event EventHandler<EmergencyResumedEventArgs>? EmergencyResumed
    {
        add => _emergency.Resumed += value;
        remove => _emergency.Resumed -= value;
    }

    /// <summary>The emergency stop itself, for the admin API and tests.</summary>
    internal EmergencyStop Emergency => _emergency;

    /// <summary>
    /// Raised when the adaptive response escalates a user, session or server, steps it down as its threat score
    /// decays, or an operator releases it (docs/adaptive.md). Raised on the gateway's event worker, never on a request thread.
    /// </summary>
    public event EventHandler<EscalationChangedEventArgs>? EscalationChanged
    {
        add => _adaptive.Changed += value;
        remove => _adaptive.Changed -= value;
    }

    /// <summary>Lists the users, sessions and servers this gateway has escalated now, highest step first (<c>mcpf status</c> prints those of every gateway on the data directory with <see cref="EscalationStore.ListAsync(GatewayConfiguration, CancellationToken)"/>).</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<Escalation> GetEscalations() => _adaptive.List();

    /// <summary>
    /// Ends the escalation of a user, session or server at once, here and for every gateway on the same data directory
    /// (the library form of <c>mcpf release</c>). Logged, audited and raised as <see cref="EscalationChanged"/>.
    /// </summary>
    /// <param name="subject"><c>user:ID</c>, <c>session:ID</c>, <c>server:ID</c>, or a bare id that matches them.</param>
    /// <param name="initiator">Who releases it.</param>
    /// <param name="reason">Why (optional).</param>
    /// <param name="cancellationToken">Cancels the state store's write.</param>
    /// <returns>The subjects released; empty when nothing matched.</returns>
    public Task<IReadOnlyList<string>> ReleaseEscalationAsync(string subject, string initiator, string? reason = null, CancellationToken cancellationToken = default) =>
        _adaptive.ReleaseAsync(subject, initiator, reason, cancellationToken);

    /// <summary>
    /// Raised once when a tool call ends, however it ends (the seed's <c>tool_executed</c>); on the gateway's event
    /// worker, never on a request thread. The same event as <see cref="ToolRegistry.ToolExecuted"/>.
    /// </summary>
    public event EventHandler<ToolExecutedEventArgs>? ToolExecuted
    {
        add => ToolRegistry.ToolExecuted += value;
        remove => ToolRegistry.ToolExecuted -= value;
    }

    /// <summary>
    /// Raised when a server's health state changes (the seed's <c>server_health_changed</c>); on the gateway's event
    /// worker, in the order of the changes. The same event as <see cref="ServerManager.ServerHealthChanged"/>.
    /// </summary>
    public event EventHandler<ServerHealthChangedEventArgs>? ServerHealthChanged
    {
        add => ServerManager.ServerHealthChanged += value;
        remove => ServerManager.ServerHealthChanged -= value;
    }

    /// <summary>Gets what the gateway has seen of each tool since it started (see <see cref="ToolRegistry.GetToolStatistics"/>).</summary>
    /// <returns>One entry per tool called, by name.</returns>
    public IReadOnlyList<ToolStatistics> GetToolStatistics() => ToolRegistry.GetToolStatistics();

    /// <summary>
    /// Decides whether an operation may go on, on its canonical arguments (the seed's <c>validate_operation</c>): the
    /// same code the pipeline's policy filter runs. Nothing is sent anywhere and no event is raised.
    /// </summary>
    /// <param name="category">The operation's category.</param>
    /// <param name="context">The operation (its target, arguments and user).</param>
    /// <param name="cancellationToken">Cancels the decision (then it is a deny).</param>
    /// <returns>The decision: <see cref="PolicyDecision.IsValid"/>, the validation errors, the deciding rules.</returns>
    public ValueTask<PolicyDecision> ValidateOperationAsync(OperationCategory category, OperationContext context, CancellationToken cancellationToken = default) =>
        _policy.ValidateOperationAsync(category, context, cancellationToken);

    /// <summary>
    /// Lists every operation in the gateway right now, from entering the pipeline to its outcome: client requests,
    /// server-to-client requests, and tool calls suspended for a stateless client's input.
    /// </summary>
    /// <returns>A snapshot, oldest first.</returns>
    public IReadOnlyList<OperationInFlight> GetOperationsInFlight() =>
        [.. _operations.Operations
            .Select(static o => new OperationInFlight(o.Context.CorrelationId, o.Context.Category, o.Context.Method, o.Context.TargetName, o.Context.ServerId, o.Context.UserId, o.Context.StartedAt, o.IsSuspended))
            .OrderBy(static o => o.StartedAt)];

    /// <summary>
    /// Applies a new configuration while the gateway runs: the new snapshot decides from the next operation on (the
    /// policy, profiles, settings read per call), servers no longer in it are stopped, new ones started and changed
    /// ones restarted. <c>mcpf serve</c> calls this when its file changes or on SIGHUP.
    /// </summary>
    /// <param name="configuration">The new configuration (e.g. from <see cref="GatewayConfigurationLoader.LoadFile"/>).</param>
    /// <param name="cancellationToken">Cancels waiting for servers to start.</param>
    /// <returns>Which servers were added, removed and restarted.</returns>
    /// <exception cref="ConfigurationException"><c>namespacing</c> changed: that needs a restart.</exception>
    public Task<ConfigurationReloadResult> ReloadConfigurationAsync(GatewayConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _reloader.ReloadAsync(configuration, cancellationToken);
    }

    /// <summary>Adds and connects a server at run time (the seed's <c>add_server</c>).</summary>
    /// <param name="serverId">Its id.</param>
    /// <param name="definition">Its definition.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>Its health after the attempt.</returns>
    public Task<ServerHealth> AddServerAsync(string serverId, ServerDefinition definition, CancellationToken cancellationToken = default) =>
        ServerManager.AddServerAsync(serverId, definition, cancellationToken);

    /// <summary>Stops and removes a server (the seed's <c>remove_server</c>).</summary>
    /// <param name="serverId">Its id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True if it existed.</returns>
    public Task<bool> RemoveServerAsync(string serverId, CancellationToken cancellationToken = default) =>
        ServerManager.RemoveServerAsync(serverId, cancellationToken);

    /// <summary>Stops every server.</summary>
    /// <returns>A task that completes when they are stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _started.TrySetCanceled(); // requests held for a start that will not finish now.
        _emergencySignal?.Dispose();
        await _emergencyWatcher.DisposeAsync();
        await ServerManager.DisposeAsync();
        await _emergencyStore.DisposeAsync();
        _notifier.Dispose();
        _policyLists.Dispose();
        if (_ownedServices is not null)
        {
            await _ownedServices.DisposeAsync();
        }
    }
}
