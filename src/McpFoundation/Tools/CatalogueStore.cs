using McpFoundation.Hosting;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Tools;

/// <summary>Keeps the gateway-wide catalogue in step with the servers' catalogues, rebuilding the snapshot on every change.</summary>
internal sealed partial class CatalogueStore
{
    private readonly ServerManager _servers;
    private readonly GatewayConfigurationProvider _configuration;
    private readonly ILogger _logger;
    private readonly Lock _rebuildLock = new();
    private GatewayCatalogue _current = GatewayCatalogue.Empty;

    public CatalogueStore(ServerManager servers, GatewayConfigurationProvider configuration, ILogger<CatalogueStore> logger)
    {
        _servers = servers;
        _configuration = configuration;
        _logger = logger;
        _servers.CatalogueChanged += OnCatalogueChanged;
    }

    /// <summary>Raised after the snapshot was rebuilt, with the parts that changed.</summary>
    public event Action<CatalogueParts>? Changed;

    public GatewayCatalogue Current => Volatile.Read(ref _current);

    /// <summary>Gets how tool names are exposed in the configuration in force.</summary>
    public Configuration.ToolNamespacing Namespacing => _configuration.Current.Namespacing;

    public GatewayCatalogue Rebuild()
    {
        lock (_rebuildLock)
        {
            GatewayCatalogue next = GatewayCatalogue.Build(
                _servers.Servers.Select(u => (u.Id, u.Catalogue)),
                _configuration.Current.Namespacing);
            foreach (string collision in next.Collisions)
            {
                LogCollision(_logger, collision);
            }

            // Said once, when it appears: a rebuild for another server's list_changed does not repeat it.
            GatewayCatalogue previous = _current;
            foreach (string warning in next.ResourceWarnings)
            {
                if (!previous.ResourceWarnings.Contains(warning))
                {
                    LogResourceWarning(_logger, warning);
                }
            }

            Volatile.Write(ref _current, next);
            return next;
        }
    }

    private void OnCatalogueChanged(DownstreamServer server, CatalogueParts parts)
    {
        Rebuild();
        Changed?.Invoke(parts);
    }

    [LoggerMessage(EventId = 1500, EventName = "NameCollision", Level = LogLevel.Error, Message = "{Collision} The later one is hidden.")]
    private static partial void LogCollision(ILogger logger, string collision);

    [LoggerMessage(EventId = 1501, EventName = "ResourceRoutingWarning", Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogResourceWarning(ILogger logger, string warning);
}
