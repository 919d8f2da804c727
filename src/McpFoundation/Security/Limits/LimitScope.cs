using System.Threading.RateLimiting;

namespace McpFoundation.Security.Limits;

/// <summary>
/// One configured limit on one subject (a server, a tool, a user): its calls-per-minute bucket and its concurrency
/// limiter, each optional, and the configuration paths that name them in a refusal.
/// </summary>
internal sealed class LimitScope
{
    private long _lastUsed;

    public LimitScope(string subject, LimitRule rule, int queueSize, string rateField, string concurrencyField)
    {
        Subject = subject;
        Rule = rule;
        QueueSize = queueSize;
        RateField = rateField;
        ConcurrencyField = concurrencyField;
        Rate = rule.CallsPerMinute is { } perMinute ? new RateBucket(perMinute) : null;
        Concurrency = rule.MaxConcurrent is { } permits
            ? new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = queueSize, QueueProcessingOrder = QueueProcessingOrder.OldestFirst })
            : null;
    }

    /// <summary>Gets what the limit is on, in words: <c>server 'fs'</c>, <c>tool 'fs__write_file'</c>, <c>user 'alice'</c>.</summary>
    public string Subject { get; }

    public LimitRule Rule { get; }

    public int QueueSize { get; }

    /// <summary>Gets the configuration path of the rate limit, e.g. <c>servers.fs.security_profile.rate_limit</c>.</summary>
    public string RateField { get; }

    /// <summary>Gets the configuration path of the concurrency limit.</summary>
    public string ConcurrencyField { get; }

    public RateBucket? Rate { get; }

    public ConcurrencyLimiter? Concurrency { get; }

    /// <summary>Gets a value indicating whether nothing holds or waits for a slot and the bucket is full.</summary>
    public bool IsIdle =>
        (Rate is null || Rate.IsFull)
        && (Concurrency?.GetStatistics() is not { } statistics || (statistics.CurrentAvailablePermits == Rule.MaxConcurrent && statistics.CurrentQueuedCount == 0));

    /// <summary>Gets when (timestamp ticks of the gateway's clock) a call last used the limit.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    public void Touch(long now) => Volatile.Write(ref _lastUsed, now);

    /// <summary>Whether this scope can carry on for <paramref name="rule"/> with <paramref name="queueSize"/> across a reload (same limits: in-flight permits stay counted).</summary>
    public bool Matches(LimitRule rule, int queueSize) => Rule == rule && QueueSize == queueSize;
}
