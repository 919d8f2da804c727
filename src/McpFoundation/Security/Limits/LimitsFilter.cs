using System.Globalization;
using System.Threading.RateLimiting;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Security.Limits;

/// <summary>
/// The pipeline step that enforces rate and concurrency limits: the server's <c>security_profile.rate_limit</c> and
/// <c>max_concurrent_operations</c>, <c>limits.tools</c> and <c>limits.per_user</c>. A call over a rate limit is refused
/// at once (<see cref="GatewayErrorCodes.RateLimited"/>); one that finds every concurrency slot taken waits in the queue
/// (<c>limits.queue</c>, bounded by the server's call timeout and the caller's cancellation) or is refused
/// (<see cref="GatewayErrorCodes.ConcurrencyLimited"/>); both say which limit and when to retry. The slots a call holds
/// are released once, when it ends. Per call: one reference check of the snapshot, a dictionary lookup per kind of
/// limit, and a non-waiting acquire on each limiter that applies.
/// </summary>
internal sealed partial class LimitsFilter : INonBlockingFilter, IDisposable
{
    /// <summary>The filter's name (<c>data.filter</c> of its refusals).</summary>
    public const string FilterName = "limits";

    private const string LeasesItem = "mcpf.limits.leases";

    private readonly GatewayConfigurationProvider _configuration;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _rebuilding = new();
    private LimiterSet _set;

    public LimitsFilter(GatewayConfigurationProvider configuration, TimeProvider timeProvider, ILogger<LimitsFilter> logger)
    {
        _configuration = configuration;
        _timeProvider = timeProvider;
        _logger = logger;
        _set = LimiterSet.Build(configuration.Current, null, timeProvider);
    }

    public string Name => FilterName;

    /// <summary>Gets the limiters of the current configuration snapshot (rebuilt when the snapshot changed).</summary>
    internal LimiterSet Current
    {
        get
        {
            LimiterSet set = Volatile.Read(ref _set);
            return ReferenceEquals(set.Configuration, _configuration.Current) ? set : Rebuild();
        }
    }

    /// <summary>Whether an operation of <paramref name="category"/> counts against limits: the client requests a server works on.</summary>
    internal static bool IsLimited(OperationCategory category) =>
        category is OperationCategory.ToolExecution or OperationCategory.ResourceRead or OperationCategory.PromptGet or OperationCategory.Completion;

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsLimited(context.Category) || context.ServerId is not { } serverId)
        {
            return ValueTask.FromResult(SecurityDecision.Allow);
        }

        LimiterSet set = Current;
        if (set.IsEmpty)
        {
            return ValueTask.FromResult(SecurityDecision.Allow);
        }

        LimitScope? server = set.Servers.GetValueOrDefault(serverId);
        LimitScope? tool = context.Category == OperationCategory.ToolExecution && set.Tools.Count > 0 && context.TargetName is { } name ? set.Tools.GetValueOrDefault(name) : null;
        LimitScope? user = set.UserScope(context.UserId);
        if (server is null && tool is null && user is null)
        {
            return ValueTask.FromResult(SecurityDecision.Allow);
        }

        long now = set.Now();
        user?.Touch(now);

        // Rates first: they never wait, and a refused call should not hold a concurrency slot even for a moment.
        if ((Rate(server) ?? Rate(tool) ?? Rate(user)) is { } rateRefusal)
        {
            return ValueTask.FromResult(rateRefusal);
        }

        LimitLeases? leases = null;
        foreach (LimitScope? scope in (ReadOnlySpan<LimitScope?>)[server, tool, user])
        {
            if (scope?.Concurrency is not { } limiter)
            {
                continue;
            }

            RateLimitLease lease = limiter.AttemptAcquire(1);
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                if (scope.QueueSize == 0)
                {
                    leases?.Release();
                    return ValueTask.FromResult(ConcurrencyRefusal(scope, queued: false, TimeSpan.Zero));
                }

                // Every slot is taken: wait in the queue, off this fast path.
                return WaitForSlotsAsync(context, set, scope, server, tool, user, leases, cancellationToken);
            }

            (leases ??= new LimitLeases()).Add(lease);
        }

        if (leases is not null)
        {
            context.Items[LeasesItem] = leases;
        }

        return ValueTask.FromResult(SecurityDecision.Allow);
    }

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsLimited(context.Category) && context.Items.TryGetValue(LeasesItem, out object? held) && held is LimitLeases leases)
        {
            leases.Release();
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => Volatile.Read(ref _set).Dispose();

    private static SecurityDecision? Rate(LimitScope? scope)
    {
        if (scope?.Rate is not { } bucket || bucket.TryTake(out TimeSpan retryAfter))
        {
            return null;
        }

        int seconds = RetrySeconds(retryAfter);
        return SecurityDecision.Deny(
            GatewayErrorCodes.RateLimited,
            $"Rate limit of {scope.Subject} reached: {bucket.CallsPerMinute} calls per minute ({scope.RateField}). Retry in {seconds} s.",
            FilterName,
            scope.RateField,
            $"Wait {seconds} s before the next call, or raise {scope.RateField}.") with
        {
            Data = new Dictionary<string, object>(StringComparer.Ordinal) { [GatewayErrors.RetryAfterSecondsField] = seconds },
        };
    }

    private static SecurityDecision ConcurrencyRefusal(LimitScope scope, bool queued, TimeSpan waited)
    {
        string why = !queued
            ? "every slot is taken" + (scope.QueueSize == 0 ? " and limits.queue.size is 0" : $" and the queue of {scope.QueueSize} is full")
            : string.Create(CultureInfo.InvariantCulture, $"no slot came free within {waited.TotalSeconds:0.###} s (limits.queue.timeout, or the server's timeout)");
        return SecurityDecision.Deny(
            GatewayErrorCodes.ConcurrencyLimited,
            $"Concurrency limit of {scope.Subject} reached: {scope.Rule.MaxConcurrent} calls at once ({scope.ConcurrencyField}); {why}. Retry in 1 s.",
            FilterName,
            scope.ConcurrencyField,
            $"Retry when a call of {scope.Subject} has finished, raise {scope.ConcurrencyField}, or let calls wait with limits.queue.") with
        {
            Data = new Dictionary<string, object>(StringComparer.Ordinal) { [GatewayErrors.RetryAfterSecondsField] = 1 },
        };
    }

    private static int RetrySeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    private async ValueTask<SecurityDecision> WaitForSlotsAsync(
        OperationContext context, LimiterSet set, LimitScope waitingOn, LimitScope? server, LimitScope? tool, LimitScope? user, LimitLeases? leases, CancellationToken cancellationToken)
    {
        TimeSpan bound = set.QueueTimeout(context.ServerId!);
        using var timeout = new CancellationTokenSource(bound, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        bool reached = false;
        try
        {
            foreach (LimitScope? scope in new[] { server, tool, user })
            {
                if (scope?.Concurrency is not { } limiter)
                {
                    continue;
                }

                if (!reached && !ReferenceEquals(scope, waitingOn))
                {
                    continue; // acquired on the fast path already
                }

                reached = true;
                RateLimitLease lease;
                try
                {
                    lease = await limiter.AcquireAsync(1, linked.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    LogQueueTimedOut(_logger, scope.Subject, bound.TotalSeconds, context.CorrelationId);
                    leases?.Release();
                    return ConcurrencyRefusal(scope, queued: true, bound);
                }

                if (!lease.IsAcquired)
                {
                    lease.Dispose();
                    leases?.Release();
                    return ConcurrencyRefusal(scope, queued: false, TimeSpan.Zero);
                }

                (leases ??= new LimitLeases()).Add(lease);
            }
        }
        catch
        {
            leases?.Release();
            throw;
        }

        context.Items[LeasesItem] = leases;
        return SecurityDecision.Allow;
    }

    private LimiterSet Rebuild()
    {
        lock (_rebuilding)
        {
            LimiterSet current = _set;
            if (ReferenceEquals(current.Configuration, _configuration.Current))
            {
                return current;
            }

            LimiterSet next = LimiterSet.Build(_configuration.Current, current, _timeProvider);
            Volatile.Write(ref _set, next);
            current.Dispose();
            LogRebuilt(_logger, next.Servers.Count, next.Tools.Count, next.Settings.PerUser is not null);
            return next;
        }
    }

    [LoggerMessage(EventId = 3300, EventName = "LimitsRebuilt", Level = LogLevel.Information,
        Message = "Limits rebuilt for the new configuration: {Servers} server limit(s), {Tools} tool limit(s), per-user limit {PerUser}; unchanged limits keep their calls in flight")]
    private static partial void LogRebuilt(ILogger logger, int servers, int tools, bool perUser);

    [LoggerMessage(EventId = 3301, EventName = "LimitQueueTimedOut", Level = LogLevel.Debug,
        Message = "A call waited {Seconds} s for a slot of {Subject} and was refused (correlation {CorrelationId})")]
    private static partial void LogQueueTimedOut(ILogger logger, string subject, double seconds, string correlationId);
}
