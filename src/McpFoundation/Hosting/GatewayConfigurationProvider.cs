using McpFoundation.Configuration;

namespace McpFoundation.Hosting;

/// <summary>Holds the configuration snapshot in force. A reload swaps the snapshot atomically; readers keep the one they took.</summary>
internal sealed class GatewayConfigurationProvider(GatewayConfiguration initial)
{
    private GatewayConfiguration _current = initial;

    public GatewayConfiguration Current => Volatile.Read(ref _current);

    public void Swap(GatewayConfiguration next) => Volatile.Write(ref _current, next);
}
