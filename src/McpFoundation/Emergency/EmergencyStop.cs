using System.Globalization;
using McpFoundation.Audit;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Emergency;

/// <summary>
/// The seed's <c>MultiChannelEmergencyStop</c>: one in-memory switch that every channel (the library, the admin API,
/// <c>mcpf stop</c> through the state store, SIGUSR1, the sentinel file) flips. When it flips on, every new operation
/// is refused by <see cref="EmergencyStopFilter"/> (the pipeline's first filter, a volatile read), every operation in
/// flight is cancelled through the <see cref="OperationRegistry"/> (the downstream is sent <c>notifications/cancelled</c>,
/// the caller gets <see cref="GatewayErrorCodes.EmergencyStopped"/>), the stdio servers are killed with their process
/// groups when <c>emergency.kill_servers</c> is set, and the stop is logged, posted to the audit sink, raised as
/// <c>EmergencyActivated</c> and saved in the state store. Nothing of it waits on a downstream or the policy engine.
/// </summary>
internal sealed partial class EmergencyStop
{
    private readonly OperationRegistry _operations;
    private readonly GatewayConfigurationProvider _configuration;
    private readonly EmergencyStateStore _store;
    private readonly ISecurityEventSink _sink;
    private readonly GatewayEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _transition = new();
    private volatile Snapshot _current = new(EmergencyState.Inactive, string.Empty);
    private bool _serversHeld;

    public EmergencyStop(OperationRegistry operations, GatewayConfigurationProvider configuration, EmergencyStateStore store, ISecurityEventSink sink, GatewayEvents events, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _operations = operations;
        _configuration = configuration;
        _store = store;
        _sink = sink;
        _events = events;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger("McpFoundation.Security");
    }

    public event EventHandler<EmergencyActivatedEventArgs>? Activated;

    public event EventHandler<EmergencyResumedEventArgs>? Resumed;

    /// <summary>Gets or sets the events' sender (the <c>McpSecurityIntegration</c>).</summary>
    public object? Sender { get; set; }

    /// <summary>Gets or sets the servers a stop with <c>kill_servers</c> kills (set by the <c>McpSecurityIntegration</c>: the server manager depends on the pipeline, which depends on this).</summary>
    public ServerManager? Servers { get; set; }

    /// <summary>Gets a value indicating whether the gateway is stopped: one volatile read.</summary>
    public bool IsActive => _current.State.IsActive;

    /// <summary>Gets the state now.</summary>
    public EmergencyState State => _current.State;

    /// <summary>Gets the message every refused or cancelled operation is answered with while stopped; null when not stopped (one volatile read).</summary>
    public string? RefusalMessage => _current is { State.IsActive: true } stopped ? stopped.Message : null;

    /// <summary>Gets the full path of the sentinel file.</summary>
    public string StopFilePath => EmergencySettings.Of(_configuration.Current).ResolveStopFile(_configuration.Current);

    /// <summary>
    /// Stops the gateway: refuses from now on, cancels every operation in flight, kills the stdio servers in kill mode,
    /// then reports and saves the stop. A gateway already stopped stays stopped by the first stop (its who and why).
    /// </summary>
    /// <param name="reason">Why (required).</param>
    /// <param name="initiator">Who (required).</param>
    /// <param name="channel">Which channel (<see cref="EmergencyChannels"/>).</param>
    /// <param name="persist">Whether to save the state (false when it was read from the store).</param>
    /// <param name="cancellationToken">Stops waiting for the state to be saved (the stop itself is already done).</param>
    /// <returns>The state.</returns>
    public Task<EmergencyState> TriggerAsync(string reason, string initiator, string channel, bool persist = true, CancellationToken cancellationToken = default) =>
        TriggerAsync(reason, initiator, channel, persist, activatedAt: null, cancellationToken);

    /// <summary>Stops the gateway as <see cref="TriggerAsync(string, string, string, bool, CancellationToken)"/> does, dated <paramref name="activatedAt"/> (a stop read from the store keeps its own time) or now.</summary>
    private async Task<EmergencyState> TriggerAsync(string reason, string initiator, string channel, bool persist, DateTimeOffset? activatedAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentException.ThrowIfNullOrWhiteSpace(initiator);
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        EmergencySettings settings = EmergencySettings.Of(_configuration.Current);
        Snapshot stopped;
        lock (_transition)
        {
            if (_current.State.IsActive)
            {
                return _current.State;
            }

            var state = new EmergencyState
            {
                IsActive = true,
                Reason = reason.Trim(),
                Initiator = initiator.Trim(),
                Channel = channel,
                ActivatedAt = activatedAt ?? _timeProvider.GetUtcNow(),
            };
            stopped = new Snapshot(state, Describe(state));
            _current = stopped; // from here on the first filter refuses.
        }

        int cancelled = _operations.CancelAll(stopped.Message, GatewayErrorCodes.EmergencyStopped);
        int killed = 0;
        if (settings.KillServers && Servers is { } servers)
        {
            servers.HoldHealthChecks = true;
            _serversHeld = true;
            killed = servers.KillStdioServers();
        }

        EmergencyState activated = stopped.State;
        LogActivated(_logger, activated.Initiator!, activated.Channel!, activated.Reason!, cancelled, killed);
        _sink.Post(new SecurityEventRecord("emergency_activated", $"Emergency stop by {activated.Initiator} through {activated.Channel}: {activated.Reason}")
        {
            Initiator = activated.Initiator,
            Channel = activated.Channel,
            Reason = activated.Reason,
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["cancelled_operations"] = cancelled.ToString(CultureInfo.InvariantCulture),
                ["killed_servers"] = killed.ToString(CultureInfo.InvariantCulture),
            },
        });
        if (Activated is not null)
        {
            var args = new EmergencyActivatedEventArgs(activated, cancelled, killed);
            _events.Post((Owner: this, Args: args), static s => s.Owner.Activated?.Invoke(s.Owner.Sender ?? s.Owner, s.Args));
        }

        if (persist)
        {
            await PersistAsync(activated, cancellationToken);
        }

        return activated;
    }

    /// <summary>
    /// Resumes service: operations pass again, and servers killed by the stop are started again. Needs a reason, and is
    /// refused while the sentinel file exists (it would stop the gateway again at once).
    /// </summary>
    /// <exception cref="ArgumentException">No reason or initiator.</exception>
    /// <exception cref="InvalidOperationException">The sentinel file still exists.</exception>
    public async Task<EmergencyState> ResumeAsync(string initiator, string reason, string channel, bool persist = true, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("A resume needs a reason (it is audited), e.g. --reason \"incident 42 contained\".", nameof(reason));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(initiator);
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        string stopFile = StopFilePath;
        if (File.Exists(stopFile))
        {
            throw new InvalidOperationException($"The stop file {stopFile} still exists, and would stop the gateway again at once: remove it first, then resume.");
        }

        EmergencyState resumed;
        bool restartServers;
        lock (_transition)
        {
            if (!_current.State.IsActive)
            {
                return _current.State;
            }

            resumed = _current.State with
            {
                IsActive = false,
                ResumedBy = initiator.Trim(),
                ResumeReason = reason.Trim(),
                ResumeChannel = channel,
                ResumedAt = _timeProvider.GetUtcNow(),
            };
            _current = new Snapshot(resumed, string.Empty);
            restartServers = _serversHeld;
            _serversHeld = false;
        }

        if (restartServers && Servers is { } servers)
        {
            servers.HoldHealthChecks = false;
            servers.RestartKilledInBackground(); // a fresh process for each server the stop killed, retried until connected.
        }

        LogResumed(_logger, resumed.ResumedBy!, channel, resumed.ResumeReason!);
        _sink.Post(new SecurityEventRecord("emergency_resumed", $"Emergency stop ended by {resumed.ResumedBy} through {channel}: {resumed.ResumeReason}")
        {
            Initiator = resumed.ResumedBy,
            Channel = channel,
            Reason = resumed.ResumeReason,
        });
        if (Resumed is not null)
        {
            var args = new EmergencyResumedEventArgs(resumed);
            _events.Post((Owner: this, Args: args), static s => s.Owner.Resumed?.Invoke(s.Owner.Sender ?? s.Owner, s.Args));
        }

        if (persist)
        {
            await PersistAsync(resumed, cancellationToken);
        }

        return resumed;
    }

    /// <summary>
    /// Brings the switch to what the state store says (at start, and when the watcher sees another process change it).
    /// A store that cannot be read at start leaves the gateway stopped (fail closed).
    /// </summary>
    public async Task ApplyStoredAsync(EmergencyState stored, CancellationToken cancellationToken = default)
    {
        if (IsStale(stored, _current.State))
        {
            return;
        }

        if (stored.IsActive && !IsActive)
        {
            await TriggerAsync(stored.Reason ?? "(no reason recorded)", stored.Initiator ?? "(unknown)", stored.Channel ?? EmergencyChannels.StateStore, persist: false, stored.ActivatedAt, cancellationToken);
        }
        else if (!stored.IsActive && IsActive)
        {
            await ResumeAsync(stored.ResumedBy ?? "(unknown)", stored.ResumeReason ?? "(no reason recorded)", stored.ResumeChannel ?? EmergencyChannels.StateStore, persist: false, cancellationToken);
        }
    }

    /// <summary>
    /// Whether the stored state is older than the one in memory, so that applying it would undo a newer transition:
    /// the stop this gateway has already resumed (its own write of the stop landed, the resume's not yet), or a resume
    /// of an earlier stop than the one in force. Every resume keeps the <see cref="EmergencyState.ActivatedAt"/> of
    /// the stop it ends, so the stop's time tells which stop a stored state belongs to.
    /// </summary>
    internal static bool IsStale(EmergencyState stored, EmergencyState current) =>
        (stored.IsActive && !current.IsActive && current.ActivatedAt is not null && stored.ActivatedAt == current.ActivatedAt)
        || (!stored.IsActive && current.IsActive && stored.ActivatedAt != current.ActivatedAt);

    /// <summary>The message of a refusal: stopped since when, by whom, through what, why, and how to resume.</summary>
    internal static string Describe(EmergencyState state) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"The gateway is stopped (emergency stop since {state.ActivatedAt:yyyy-MM-ddTHH:mm:ssZ}, by {state.Initiator} through {state.Channel}): {state.Reason}. Every call is refused until an operator resumes it with `mcpf resume --reason \"...\"`, POST /admin/emergency/resume, or McpSecurityIntegration.ResumeAsync (see docs/emergency.md).");

    private async Task PersistAsync(EmergencyState state, CancellationToken cancellationToken)
    {
        try
        {
            await _store.WriteAsync(state).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The switch has flipped in memory; only other processes and a restart miss it.
            LogNotSaved(_logger, state.IsActive ? "stop" : "resume", ex);
        }
    }

    /// <summary>The state and the refusal message built from it, swapped together.</summary>
    private sealed record Snapshot(EmergencyState State, string Message);
}
