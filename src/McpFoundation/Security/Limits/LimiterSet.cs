using System.Collections.Concurrent;
using System.Collections.Frozen;
using McpFoundation.Configuration;

namespace McpFoundation.Security.Limits;

/// <summary>
/// The limiters of one configuration snapshot: one scope per limited server (its profile's <c>rate_limit</c> and
/// <c>max_concurrent_operations</c>), per limited tool (<c>limits.tools</c>) and, made on first use, per user
/// (<c>limits.per_user</c>). Built again at every reload, taking over the scopes whose limits did not change, so that
/// permits held by calls in flight stay counted; a changed limit starts afresh (calls in flight on the old one release
/// to it). One timer of the gateway's <see cref="TimeProvider"/> refills every bucket once a second.
/// </summary>
internal sealed class LimiterSet : IDisposable
{
    /// <summary>The user key of callers without a user id: they share one per-user limit.</summary>
    public const string AnonymousUser = "(anonymous)";

    private static readonly TimeSpan RefillInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdleUserLifetime = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, LimitScope> _users;
    private readonly ITimer? _refill;
    private DateTimeOffset _lastRefill;

    private LimiterSet(GatewayConfiguration configuration, LimitSettings settings, FrozenDictionary<string, LimitScope> servers, FrozenDictionary<string, LimitScope> tools, ConcurrentDictionary<string, LimitScope> users, TimeProvider timeProvider)
    {
        Configuration = configuration;
        Settings = settings;
        Servers = servers;
        Tools = tools;
        _users = users;
        _timeProvider = timeProvider;
        IsEmpty = servers.Count == 0 && tools.Count == 0 && settings.PerUser is null;
        _lastRefill = timeProvider.GetUtcNow();
        if (!IsEmpty)
        {
            _refill = timeProvider.CreateTimer(static state => ((LimiterSet)state!).RefillAll(), this, RefillInterval, RefillInterval);
        }
    }

    /// <summary>Gets the snapshot the set was built for.</summary>
    public GatewayConfiguration Configuration { get; }

    public LimitSettings Settings { get; }

    /// <summary>Gets a value indicating whether the snapshot limits nothing (the filter lets every call pass at once).</summary>
    public bool IsEmpty { get; }

    public FrozenDictionary<string, LimitScope> Servers { get; }

    public FrozenDictionary<string, LimitScope> Tools { get; }

    /// <summary>Builds the set of <paramref name="configuration"/>, taking over the unchanged scopes of <paramref name="previous"/>.</summary>
    public static LimiterSet Build(GatewayConfiguration configuration, LimiterSet? previous, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        LimitSettings settings = configuration.GetSection<LimitSettings>(ConfigSectionKey) ?? LimitSettings.Default;
        int queue = settings.QueueSize;

        var servers = new Dictionary<string, LimitScope>(StringComparer.Ordinal);
        foreach ((string id, ServerDefinition server) in configuration.Servers)
        {
            if (server.SecurityProfile is not { } profile || (profile.RateLimit is null && profile.MaxConcurrentOperations is null))
            {
                continue;
            }

            var rule = new LimitRule(profile.RateLimit, profile.MaxConcurrentOperations);
            servers[id] = previous is not null && previous.Servers.TryGetValue(id, out LimitScope? kept) && kept.Matches(rule, queue)
                ? kept
                : new LimitScope($"server '{id}'", rule, queue, $"servers.{id}.security_profile.rate_limit", $"servers.{id}.security_profile.max_concurrent_operations");
        }

        var tools = new Dictionary<string, LimitScope>(StringComparer.Ordinal);
        foreach ((string tool, LimitRule rule) in settings.Tools)
        {
            if (rule.IsEmpty)
            {
                continue;
            }

            tools[tool] = previous is not null && previous.Tools.TryGetValue(tool, out LimitScope? kept) && kept.Matches(rule, queue)
                ? kept
                : new LimitScope($"tool '{tool}'", rule, queue, $"limits.tools.{tool}.calls_per_minute", $"limits.tools.{tool}.max_concurrent");
        }

        ConcurrentDictionary<string, LimitScope> users = previous is not null && previous.Settings.PerUser == settings.PerUser && previous.Settings.QueueSize == queue
            ? previous._users
            : new ConcurrentDictionary<string, LimitScope>(StringComparer.Ordinal);
        return new LimiterSet(configuration, settings, servers.ToFrozenDictionary(StringComparer.Ordinal), tools.ToFrozenDictionary(StringComparer.Ordinal), users, timeProvider);
    }

    /// <summary>Gets the per-user scope of <paramref name="userId"/>, made on first use; null when users are not limited.</summary>
    public LimitScope? UserScope(string? userId)
    {
        if (Settings.PerUser is not { IsEmpty: false } rule)
        {
            return null;
        }

        string key = userId ?? AnonymousUser;
        return _users.TryGetValue(key, out LimitScope? scope)
            ? scope
            : _users.GetOrAdd(key, static (k, s) => new LimitScope($"user '{k}'", s.Rule, s.Queue, "limits.per_user.calls_per_minute", "limits.per_user.max_concurrent"), (Rule: rule, Queue: Settings.QueueSize));
    }

    /// <summary>Gets how long a call to <paramref name="serverId"/> may wait for a slot: the queue's timeout, bounded by the server's call timeout.</summary>
    public TimeSpan QueueTimeout(string serverId)
    {
        TimeSpan callTimeout = Configuration.Servers.TryGetValue(serverId, out ServerDefinition? server) && server.Timeout is { } own ? own : Configuration.Settings.DefaultTimeout;
        return callTimeout < Settings.QueueTimeout ? callTimeout : Settings.QueueTimeout;
    }

    public long Now() => _timeProvider.GetTimestamp();

    public void Dispose() => _refill?.Dispose();

    private void RefillAll()
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        TimeSpan elapsed = now - _lastRefill;
        _lastRefill = now;
        foreach (LimitScope scope in Servers.Values)
        {
            scope.Rate?.Refill(elapsed);
        }

        foreach (LimitScope scope in Tools.Values)
        {
            scope.Rate?.Refill(elapsed);
        }

        long stale = _timeProvider.GetTimestamp() - (long)(IdleUserLifetime.TotalSeconds * _timeProvider.TimestampFrequency);
        foreach ((string user, LimitScope scope) in _users)
        {
            scope.Rate?.Refill(elapsed);
            if (scope.LastUsed < stale && scope.IsIdle)
            {
                _users.TryRemove(new KeyValuePair<string, LimitScope>(user, scope));
            }
        }
    }

    internal const string ConfigSectionKey = "limits";
}
