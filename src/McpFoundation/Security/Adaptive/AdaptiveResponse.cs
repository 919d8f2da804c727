using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using McpFoundation.Audit;
using McpFoundation.Hosting;
using McpFoundation.Storage;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Security.Adaptive;

/// <summary>
/// The adaptive response (the seed's C3): a threat score per user, session and server from recent denials (scored by
/// the deciding check's severity) and from call-rate spikes against the user's own baseline, and the escalation
/// ladder (<see cref="EscalationLevel"/>) it climbs and, as the score decays, steps down. Every change is logged on
/// <c>McpFoundation.Security</c>, posted to the <see cref="ISecurityEventSink"/>, raised as
/// <see cref="Changed"/> on the event worker and written to the state store (<see cref="EscalationStore"/>) through a
/// queue. A timer of the gateway's <see cref="TimeProvider"/> steps escalations down, refills throttles and, once a
/// second, notices releases made by another process.
/// </summary>
internal sealed partial class AdaptiveResponse : IAsyncDisposable
{
    private const string SectionKey = "adaptive";
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly GatewayConfigurationProvider _configuration;
    private readonly IStateStore _store;
    private readonly ISecurityEventSink _sink;
    private readonly GatewayEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ThreatState> _states = new(StringComparer.Ordinal);
    private readonly Channel<(string Key, string? Value)> _writes = Channel.CreateUnbounded<(string, string?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly ITimer _sweep;
    private readonly CancellationTokenSource _stopping = new();
    private (Configuration.GatewayConfiguration Configuration, AdaptiveSettings Settings) _settings;
    private int _polling;

    public AdaptiveResponse(GatewayConfigurationProvider configuration, IStateStore store, ISecurityEventSink sink, GatewayEvents events, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _configuration = configuration;
        _store = store;
        _sink = sink;
        _events = events;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger("McpFoundation.Security");
        _settings = (configuration.Current, Read(configuration.Current));
        _writer = Task.Run(WriteAsync);
        Restored = Task.Run(RestoreAsync);
        _sweep = timeProvider.CreateTimer(static state => ((AdaptiveResponse)state!).Sweep(), this, SweepInterval, SweepInterval);
    }

    /// <summary>Gets a task that completes when the escalations persisted in the state store (by an earlier run) are taken over.</summary>
    public Task Restored { get; }

    /// <summary>Raised on the event worker when an escalation changes.</summary>
    public event EventHandler<EscalationChangedEventArgs>? Changed;

    /// <summary>Gets or sets the event's sender (the <c>McpSecurityIntegration</c>).</summary>
    public object? Sender { get; set; }

    /// <summary>Gets the settings of the configuration snapshot in force (one reference check per call).</summary>
    public AdaptiveSettings Settings
    {
        get
        {
            var current = _settings;
            if (ReferenceEquals(current.Configuration, _configuration.Current))
            {
                return current.Settings;
            }

            var next = (_configuration.Current, Read(_configuration.Current));
            _settings = next;
            return next.Item2;
        }
    }

    public DateTimeOffset Now => _timeProvider.GetUtcNow();

    /// <summary>Finds a subject's state, if it has one.</summary>
    public ThreatState? Find(string subject) => _states.GetValueOrDefault(subject);

    /// <summary>Gets a subject's state, made on first use.</summary>
    public ThreatState Get(string subject) => _states.TryGetValue(subject, out ThreatState? state) ? state : _states.GetOrAdd(subject, static s => new ThreatState(s));

    /// <summary>Lists the subjects escalated now, highest step first.</summary>
    public IReadOnlyList<Escalation> List() =>
        [.. _states.Values.Where(static s => s.CurrentLevel != EscalationLevel.None).Select(static s => s.Snapshot()).OrderByDescending(static e => e.Level).ThenBy(static e => e.Subject, StringComparer.Ordinal)];

    /// <summary>Adds a denial's score to the subjects it concerns: its user (or, for an anonymous caller, its session) and its server.</summary>
    public void RecordDenial(string? userId, string? sessionId, string? serverId, int errorCode, string? deniedBy, string? message)
    {
        AdaptiveSettings settings = Settings;
        double points = AdaptiveSettings.ScoreOf(errorCode);
        if (!settings.Enabled || points <= 0)
        {
            return;
        }

        string reason = string.Create(CultureInfo.InvariantCulture, $"denied with {errorCode} by {deniedBy ?? "a check"}: {Shorten(message)}");
        DateTimeOffset now = Now;
        if (userId is not null)
        {
            Apply(Get(Subjects.User(userId)).Add(points, reason, now, settings, isServer: false), null);
        }

        else if (sessionId is not null)
        {
            Apply(Get(Subjects.Session(sessionId)).Add(points, reason, now, settings, isServer: false), null);
        }

        if (serverId is not null)
        {
            Apply(Get(Subjects.Server(serverId)).Add(points, reason, now, settings, isServer: true), null);
        }
    }

    /// <summary>Counts a call of <paramref name="state"/> (a user) for the spike check; a spike adds its score.</summary>
    public void RecordCall(ThreatState state, AdaptiveSettings settings, DateTimeOffset now)
    {
        if (state.CountCall(now, settings, out int calls, out double baseline))
        {
            string reason = string.Create(CultureInfo.InvariantCulture, $"call-rate spike: {calls} calls this minute against a baseline of {baseline:0.#} per minute");
            Apply(state.Add(AdaptiveSettings.SpikeScore, reason, now, settings, isServer: false), null);
        }
    }

    /// <summary>Ends the escalations of <paramref name="subject"/> (<c>kind:id</c> or a bare id) here and in the state store.</summary>
    public async Task<IReadOnlyList<string>> ReleaseAsync(string subject, string initiator, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentException.ThrowIfNullOrWhiteSpace(initiator);
        var released = new List<string>();
        foreach (ThreatState state in _states.Values.Where(s => EscalationStore.Matches(s.Subject, subject) && s.CurrentLevel != EscalationLevel.None))
        {
            state.Persisted = false;
            Apply(state.Release(Now, reason is null ? $"released by {initiator}" : $"released by {initiator}: {reason}"), initiator);
            released.Add(state.Subject);
        }

        foreach (string stored in await EscalationStore.ReleaseAsync(_store, subject, initiator, reason, Now, cancellationToken))
        {
            if (!released.Contains(stored, StringComparer.Ordinal))
            {
                released.Add(stored);
            }
        }

        return released;
    }

    public async ValueTask DisposeAsync()
    {
        await _sweep.DisposeAsync();
        _writes.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        _stopping.Dispose();
    }

    private static AdaptiveSettings Read(Configuration.GatewayConfiguration configuration) =>
        configuration.GetSection<AdaptiveSettings>(SectionKey) ?? AdaptiveSettings.Disabled;

    private static string Shorten(string? message) =>
        message is null ? "(no message)" : message.Length <= 160 ? message : string.Concat(message.AsSpan(0, 157), "...");

    private void Apply((EscalationLevel Previous, Escalation Now)? change, string? initiator)
    {
        if (change is not { } c)
        {
            return;
        }

        string kind = initiator is not null ? "released" : c.Now.Level > c.Previous ? "escalated" : "deescalated";
        Escalation e = c.Now;
        string until = e.Level == EscalationLevel.None ? "" : $" until {e.Until:O}";
        string message = $"{e.Subject} {kind}: {Describe(c.Previous)} -> {Describe(e.Level)}{until} (score {e.Score.ToString("0.##", CultureInfo.InvariantCulture)}; {e.Reason})";
        if (kind == "escalated")
        {
            LogEscalated(_logger, e.Subject, c.Previous, e.Level, e.Score, e.Until, e.Reason);
        }
        else
        {
            LogStepped(_logger, e.Subject, kind, c.Previous, e.Level, e.Reason);
        }

        (string? user, string? session, string? server) = Subjects.Split(e.Subject);
        _sink.Post(new SecurityEventRecord(kind, message)
        {
            Initiator = initiator ?? "adaptive",
            Channel = initiator is null ? "adaptive" : "operator",
            UserId = user,
            SessionId = session,
            ServerId = server,
            Reason = e.Reason,
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["subject"] = e.Subject,
                ["from"] = Describe(c.Previous),
                ["to"] = Describe(e.Level),
                ["score"] = e.Score.ToString("0.##", CultureInfo.InvariantCulture),
                ["until"] = e.Until.ToString("O", CultureInfo.InvariantCulture),
            },
        });
        if (Changed is not null)
        {
            var args = new EscalationChangedEventArgs(e, c.Previous, kind, initiator);
            _events.Post((Owner: this, Args: args), static s => s.Owner.Changed?.Invoke(s.Owner.Sender ?? s.Owner, s.Args));
        }

        ThreatState? state = Find(e.Subject);
        if (e.Level == EscalationLevel.None)
        {
            if (initiator is null)
            {
                _writes.Writer.TryWrite((EscalationStore.EscalationsPrefix + e.Subject, null));
            }

            if (state is not null)
            {
                state.Persisted = false;
            }
        }
        else
        {
            _writes.Writer.TryWrite((EscalationStore.EscalationsPrefix + e.Subject, EscalationStore.Write(e)));
        }
    }

    internal static string Describe(EscalationLevel level) => level switch
    {
        EscalationLevel.None => "none",
        EscalationLevel.Warn => "warn",
        EscalationLevel.Ask => "ask",
        EscalationLevel.Throttle => "throttle",
        EscalationLevel.Quarantine => "quarantine",
        _ => "stop_server",
    };

    private void Sweep()
    {
        AdaptiveSettings settings = Settings;
        DateTimeOffset now = Now;
        bool anyPersisted = false;
        foreach ((string subject, ThreatState state) in _states)
        {
            Apply(state.Tick(now, settings, Subjects.IsServer(subject)), null);
            state.Throttle?.Refill(SweepInterval);
            anyPersisted |= state.Persisted;
            if (state.IsIdle(now, settings))
            {
                _states.TryRemove(new KeyValuePair<string, ThreatState>(subject, state));
            }
        }

        if (anyPersisted && Interlocked.Exchange(ref _polling, 1) == 0)
        {
            _ = PollReleasesAsync();
        }
    }

    /// <summary>Takes over the escalations the state store holds whose step still holds (a gateway restarted while a user was quarantined stays so).</summary>
    private async Task RestoreAsync()
    {
        try
        {
            AdaptiveSettings settings = Settings;
            DateTimeOffset now = Now;
            foreach (Escalation escalation in await EscalationStore.ListAsync(_store, _stopping.Token))
            {
                if (!settings.Enabled || escalation.Level == EscalationLevel.None || escalation.Until <= now || _states.ContainsKey(escalation.Subject))
                {
                    continue;
                }

                Get(escalation.Subject).Restore(escalation, settings);
                LogRestored(_logger, escalation.Subject, escalation.Level, escalation.Until, escalation.Reason);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogPollFailed(_logger, ex);
        }
    }

    /// <summary>Ends here the escalations another process released (their key is gone from the store).</summary>
    private async Task PollReleasesAsync()
    {
        try
        {
            var stored = (await _store.ListAsync(EscalationStore.EscalationsPrefix, _stopping.Token)).Select(static e => e.Key).ToHashSet(StringComparer.Ordinal);
            foreach (ThreatState state in _states.Values)
            {
                if (!state.Persisted || state.CurrentLevel == EscalationLevel.None || stored.Contains(EscalationStore.EscalationsPrefix + state.Subject))
                {
                    continue;
                }

                EscalationRelease? release = await _store.GetAsync(EscalationStore.ReleasedPrefix + state.Subject, _stopping.Token) is { } entry ? EscalationStore.ReadRelease(entry.Value) : null;
                string initiator = release?.Initiator ?? "another process";
                state.Persisted = false;
                Apply(state.Release(Now, release?.Reason is { } why ? $"released by {initiator}: {why}" : $"released by {initiator}"), initiator);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPollFailed(_logger, ex);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }

    private async Task WriteAsync()
    {
        await foreach ((string key, string? value) in _writes.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (value is null)
                {
                    await _store.DeleteAsync(key, _stopping.Token);
                }
                else
                {
                    await _store.SetAsync(key, value, _stopping.Token);
                    if (Find(key[EscalationStore.EscalationsPrefix.Length..]) is { } state && state.CurrentLevel != EscalationLevel.None)
                    {
                        state.Persisted = true;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                LogWriteFailed(_logger, key, ex);
            }
        }
    }

    [LoggerMessage(EventId = 3320, EventName = "Escalated", Level = LogLevel.Warning,
        Message = "Adaptive response: {Subject} escalated from {From} to {To} until {Until:O} (score {Score}): {Reason}")]
    private static partial void LogEscalated(ILogger logger, string subject, EscalationLevel from, EscalationLevel to, double score, DateTimeOffset until, string reason);

    [LoggerMessage(EventId = 3321, EventName = "EscalationStepped", Level = LogLevel.Information,
        Message = "Adaptive response: {Subject} {Kind} from {From} to {To}: {Reason}")]
    private static partial void LogStepped(ILogger logger, string subject, string kind, EscalationLevel from, EscalationLevel to, string reason);

    [LoggerMessage(EventId = 3324, EventName = "EscalationRestored", Level = LogLevel.Warning,
        Message = "Adaptive response: {Subject} is still on {Level} until {Until:O} from before the restart: {Reason}")]
    private static partial void LogRestored(ILogger logger, string subject, EscalationLevel level, DateTimeOffset until, string reason);

    [LoggerMessage(EventId = 3322, EventName = "EscalationWriteFailed", Level = LogLevel.Error,
        Message = "Adaptive response: could not write {Key} to the state store; mcpf status and mcpf release in another process will not see it")]
    private static partial void LogWriteFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 3323, EventName = "EscalationPollFailed", Level = LogLevel.Warning,
        Message = "Adaptive response: could not read the state store for releases; retrying in a second")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

/// <summary>The subject names of the adaptive response: <c>user:ID</c>, <c>session:ID</c>, <c>server:ID</c>.</summary>
internal static class Subjects
{
    public static string User(string id) => "user:" + id;

    public static string Session(string id) => "session:" + id;

    public static string Server(string id) => "server:" + id;

    public static bool IsServer(string subject) => subject.StartsWith("server:", StringComparison.Ordinal);

    public static (string? User, string? Session, string? Server) Split(string subject)
    {
        int colon = subject.IndexOf(':', StringComparison.Ordinal);
        string id = subject[(colon + 1)..];
        return subject[..colon] switch
        {
            "user" => (id, null, null),
            "session" => (null, id, null),
            _ => (null, null, id),
        };
    }
}
