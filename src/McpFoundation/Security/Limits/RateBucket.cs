using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace McpFoundation.Security.Limits;

/// <summary>
/// A calls-per-minute limit: a bucket of a minute's worth of tokens, refilled evenly over the minute by the gateway's
/// <see cref="TimeProvider"/> (<see cref="Refill"/>, from one timer), never by a clock of its own, so that tests move
/// time with a fake clock. The tokens are the permits of a <see cref="ConcurrencyLimiter"/>: a call takes one and
/// keeps its lease; a refill returns the oldest leases. (The token-bucket and window limiters of
/// System.Threading.RateLimiting read <see cref="System.Diagnostics.Stopwatch"/> even with
/// <c>AutoReplenishment = false</c>: the token bucket fills by the elapsed stopwatch time at <c>TryReplenish</c>, the
/// sliding window refuses a replenish before a real period has passed; so neither can follow a <see cref="TimeProvider"/>.)
/// </summary>
internal sealed class RateBucket : IDisposable
{
    private readonly ConcurrencyLimiter _tokens;
    private readonly ConcurrentQueue<RateLimitLease> _spent = new();
    private readonly Lock _refilling = new();
    private double _owed; // tokens earned but not yet returned (fractions carry to the next refill)

    public RateBucket(int callsPerMinute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(callsPerMinute, 1);
        CallsPerMinute = callsPerMinute;
        _tokens = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = callsPerMinute, QueueLimit = 0 });
    }

    public int CallsPerMinute { get; }

    /// <summary>Gets the time in which the bucket earns one token.</summary>
    public TimeSpan TokenPeriod => TimeSpan.FromMinutes(1) / CallsPerMinute;

    /// <summary>Gets a value indicating whether the bucket is full (every token is back).</summary>
    public bool IsFull => _spent.IsEmpty;

    /// <summary>Takes one call's token; false (with when the next one is earned) when the bucket is empty. Never waits.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        RateLimitLease lease = _tokens.AttemptAcquire(1);
        if (lease.IsAcquired)
        {
            _spent.Enqueue(lease);
            retryAfter = TimeSpan.Zero;
            return true;
        }

        lease.Dispose();
        double missing = Math.Clamp(1 - Volatile.Read(ref _owed), 0, 1);
        retryAfter = TokenPeriod * missing;
        return false;
    }

    /// <summary>Returns the tokens <paramref name="elapsed"/> of time earned (never more than the bucket holds).</summary>
    public void Refill(TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return;
        }

        // Two timers can meet here for a moment while a reload hands the bucket to the next snapshot's set.
        lock (_refilling)
        {
            double owed = _owed + (elapsed / TokenPeriod);
            while (owed >= 1 && _spent.TryDequeue(out RateLimitLease? lease))
            {
                lease.Dispose();
                owed -= 1;
            }

            Volatile.Write(ref _owed, _spent.IsEmpty ? 0 : owed);
        }
    }

    public void Dispose() => _tokens.Dispose();
}
