using System.Threading.RateLimiting;

namespace McpFoundation.Security.Limits;

/// <summary>The concurrency slots one call holds (server, tool, user: at most three), released exactly once when it ends.</summary>
internal sealed class LimitLeases
{
    private RateLimitLease? _first;
    private RateLimitLease? _second;
    private RateLimitLease? _third;
    private int _released;

    public void Add(RateLimitLease lease)
    {
        if (_first is null)
        {
            _first = lease;
        }
        else if (_second is null)
        {
            _second = lease;
        }
        else
        {
            _third = lease;
        }
    }

    /// <summary>Releases every slot; a second call does nothing.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _third?.Dispose();
        _second?.Dispose();
        _first?.Dispose();
    }
}
