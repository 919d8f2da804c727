using System.Threading.RateLimiting;

namespace McpFoundation.Security.Limits;

/// <summary>
/// A calls-per-minute limit: a <see cref="TokenBucketRateLimiter"/> that holds a minute's worth of calls and is refilled
/// evenly over the minute. It replenishes only when told (<see cref="Refill"/>, driven by the gateway's
/// <see cref="TimeProvider"/>), never on a timer of its own, so tests move time with a fake clock.
/// </summary>
internal sealed class RateBucket : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;
    private readonly int _tokensPerRefill;
    private readonly Lock _refilling = new();
    private double _refillsOwed; // fractional refills carried to the next tick

    public RateBucket(int callsPerMinute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(callsPerMinute, 1);
        CallsPerMinute = callsPerMinute;
        _tokensPerRefill = Math.Max(1, callsPerMinute / 60);
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = callsPerMinute,
            TokensPerPeriod = _tokensPerRefill,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) * _tokensPerRefill / callsPerMinute,
            AutoReplenishment = false,
            QueueLimit = 0,
        });
    }

    public int CallsPerMinute { get; }

    /// <summary>Gets the time between two refills of the bucket.</summary>
    public TimeSpan RefillPeriod => TimeSpan.FromMinutes(1) * _tokensPerRefill / CallsPerMinute;

    /// <summary>Takes one call's token; false (with when to retry) when the bucket is empty. Never waits.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(1);
        if (lease.IsAcquired)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan after) && after > TimeSpan.Zero ? after : RefillPeriod;
        return false;
    }

    /// <summary>Gets a value indicating whether the bucket is full (nobody used it since it refilled).</summary>
    public bool IsFull => _limiter.GetStatistics()?.CurrentAvailablePermits >= CallsPerMinute;

    /// <summary>Refills what <paramref name="elapsed"/> of time earned. Called by the refill timer.</summary>
    public void Refill(TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return;
        }

        // Two timers can meet here for a moment while a reload hands the bucket to the next snapshot's set.
        lock (_refilling)
        {
            _refillsOwed = Math.Min(_refillsOwed + (elapsed / RefillPeriod), (double)CallsPerMinute / _tokensPerRefill);
            while (_refillsOwed >= 1)
            {
                _limiter.TryReplenish();
                _refillsOwed -= 1;
            }

            if (IsFull)
            {
                _refillsOwed = 0;
            }
        }
    }

    public void Dispose() => _limiter.Dispose();
}
