using McpFoundation.Security.Limits;

namespace McpFoundation.Tests.Security.Limits;

[Trait("Category", "Unit")]
public sealed class RateBucketTests
{
    [Fact]
    public void TryTake_SixtyPerMinute_SixtyPassThenRefusedWithRetryOfOneSecond()
    {
        var bucket = new RateBucket(60);

        int taken = Enumerable.Range(0, 60).Count(i => bucket.TryTake(out _));
        bool more = bucket.TryTake(out TimeSpan retryAfter);

        Assert.Equal(60, taken);
        Assert.False(more);
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
    }

    [Fact]
    public void Refill_OnlyWhenTold_EarnsWhatTheElapsedTimeIsWorth()
    {
        var bucket = new RateBucket(120); // two per second
        while (bucket.TryTake(out _))
        {
        }

        Assert.False(bucket.TryTake(out _)); // nothing refills on its own
        bucket.Refill(TimeSpan.FromSeconds(1.5));
        int afterOneAndAHalf = CountTakes(bucket);
        bucket.Refill(TimeSpan.FromSeconds(0.5));
        int afterTwo = CountTakes(bucket);

        Assert.Equal(3, afterOneAndAHalf);
        Assert.Equal(1, afterTwo);
    }

    [Fact]
    public void Refill_NotEvenly_OddRateKeepsItsAverage()
    {
        var bucket = new RateBucket(100);
        while (bucket.TryTake(out _))
        {
        }

        int total = 0;
        for (int second = 0; second < 60; second++)
        {
            bucket.Refill(TimeSpan.FromSeconds(1));
            total += CountTakes(bucket);
        }

        Assert.InRange(total, 99, 100);
    }

    [Fact]
    public void Refill_LongIdle_NeverHoldsMoreThanAMinute()
    {
        var bucket = new RateBucket(10);
        Assert.True(bucket.TryTake(out _));

        bucket.Refill(TimeSpan.FromHours(1));

        Assert.True(bucket.IsFull);
        Assert.Equal(10, CountTakes(bucket));
    }

    private static int CountTakes(RateBucket bucket)
    {
        int n = 0;
        while (bucket.TryTake(out _))
        {
            n++;
        }

        return n;
    }
}
