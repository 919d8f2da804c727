using McpFoundation.Configuration;

namespace McpFoundation.Hosting;

/// <summary>Holds the configuration snapshot in force. A reload swaps the snapshot atomically; readers keep the one they took.</summary>
internal sealed class GatewayConfigurationProvider(GatewayConfiguration initial)
{
    private GatewayConfiguration _current = initial;

    /// <summary>Raised after a swap, with the previous and the new snapshot, on the thread that swapped.</summary>
    public event Action<GatewayConfiguration, GatewayConfiguration>? Changed;

    public GatewayConfiguration Current => Volatile.Read(ref _current);

    public void Swap(GatewayConfiguration next)
    {
        GatewayConfiguration previous = Interlocked.Exchange(ref _current, next);
        Changed?.Invoke(previous, next);
    }
}
