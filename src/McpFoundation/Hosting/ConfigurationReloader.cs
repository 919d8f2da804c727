using McpFoundation.Configuration;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Hosting;

/// <summary>
/// Applies a new configuration to a running gateway: the snapshot is swapped at once (every section that reads
/// <see cref="GatewayConfigurationProvider.Current"/>, such as the policy, decides by the new one from the next
/// operation on), then servers that left the file are stopped, new ones started, and changed ones restarted.
/// A change of <c>namespacing</c> is refused: every exposed name would change under connected clients.
/// </summary>
internal sealed partial class ConfigurationReloader(GatewayConfigurationProvider provider, ServerManager servers, ILogger<ConfigurationReloader> logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async Task<ConfigurationReloadResult> ReloadAsync(GatewayConfiguration next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            GatewayConfiguration current = provider.Current;
            if (next.Namespacing != current.Namespacing)
            {
                throw new ConfigurationException([new ConfigurationError("namespacing", $"cannot change from \"{Name(current.Namespacing)}\" to \"{Name(next.Namespacing)}\" while the gateway runs (every exposed name would change under connected clients); restart mcpf to apply it")]);
            }

            string[] removed = [.. current.Servers.Keys.Where(id => !next.Servers.ContainsKey(id))];
            string[] added = [.. next.Servers.Keys.Where(id => !current.Servers.ContainsKey(id))];
            string[] restarted = [.. next.Servers.Where(s => current.Servers.TryGetValue(s.Key, out ServerDefinition? before) && !before.Equals(s.Value)).Select(s => s.Key)];

            provider.Swap(next);
            foreach (string id in removed.Concat(restarted))
            {
                await servers.RemoveServerAsync(id, cancellationToken);
            }

            foreach (string id in added.Concat(restarted))
            {
                await servers.AddServerAsync(id, next.Servers[id], cancellationToken);
            }

            var result = new ConfigurationReloadResult(added, removed, restarted);
            LogReloaded(logger, next.SourcePath ?? "(built in code)", result);
            return result;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();

    private static string Name(ToolNamespacing namespacing) => namespacing == ToolNamespacing.None ? "none" : "prefix";

    [LoggerMessage(EventId = 1010, EventName = "ConfigurationReloaded", Level = LogLevel.Information, Message = "Configuration reloaded from {Source}: {Change}")]
    private static partial void LogReloaded(ILogger logger, string source, ConfigurationReloadResult change);
}
