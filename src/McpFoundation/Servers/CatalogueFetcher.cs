using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>
/// One server's catalogue: lists every page of its tools, resources, resource templates and prompts, one fetch at a
/// time, and fetches a part again when the server says it changed (<c>list_changed</c>).
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The lock's wait handle is never created (AvailableWaitHandle is not read), and a list_changed refresh may still be waiting on it when the server stops.")]
internal sealed partial class CatalogueFetcher
{
    private const int MaxPages = 1000;

    private readonly string _serverId;
    private readonly ILogger _logger;
    private readonly Action<CatalogueParts> _changed;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private ServerCatalogue _current = ServerCatalogue.Empty;

    /// <param name="serverId">The server's id, for logs.</param>
    /// <param name="logger">The server's logger.</param>
    /// <param name="changed">Tells the gateway which parts changed (see <see cref="Announce"/>).</param>
    public CatalogueFetcher(string serverId, ILogger logger, Action<CatalogueParts> changed)
    {
        _serverId = serverId;
        _logger = logger;
        _changed = changed;
    }

    public ServerCatalogue Current => _current;

    /// <summary>
    /// Fetches <paramref name="parts"/> again and keeps the rest. One fetch at a time, each starting from the latest
    /// catalogue: a list_changed that arrives while the initial fetch runs (server-everything sends some right after
    /// initialize) must not replace the other parts with empty ones.
    /// </summary>
    public async Task FetchAsync(McpClient client, CatalogueParts parts, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            _current = await FetchAsync(client, parts, _current, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Answers a list_changed: fetches the parts again and announces them; a failure is logged and the old parts kept.</summary>
    public async ValueTask RefreshAsync(McpClient? client, CatalogueParts parts, CancellationToken cancellationToken = default)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            await FetchAsync(client, parts, cancellationToken);
            LogCatalogueRefreshed(_logger, _serverId, parts, _current.Tools.Count);
            Announce(parts);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRefreshFailed(_logger, _serverId, ex);
        }
    }

    /// <summary>Forgets everything (the connection is gone); call <see cref="Announce"/> to tell the gateway.</summary>
    public void Clear() => _current = ServerCatalogue.Empty;

    /// <summary>Tells the gateway that <paramref name="parts"/> of this server's catalogue changed.</summary>
    public void Announce(CatalogueParts parts) => _changed(parts);

    private static async Task<ServerCatalogue> FetchAsync(McpClient client, CatalogueParts parts, ServerCatalogue current, CancellationToken cancellationToken)
    {
        ServerCapabilities capabilities = client.ServerCapabilities;
        IReadOnlyList<Tool> tools = current.Tools;
        IReadOnlyList<Resource> resources = current.Resources;
        IReadOnlyList<ResourceTemplate> templates = current.ResourceTemplates;
        IReadOnlyList<Prompt> prompts = current.Prompts;

        if (parts.HasFlag(CatalogueParts.Tools))
        {
            tools = capabilities.Tools is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, ct) is var r ? (r.Tools, r.NextCursor) : default,
                cancellationToken);
        }

        if (parts.HasFlag(CatalogueParts.Resources))
        {
            resources = capabilities.Resources is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, ct) is var r ? (r.Resources, r.NextCursor) : default,
                cancellationToken);
            templates = capabilities.Resources is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, ct) is var r ? (r.ResourceTemplates, r.NextCursor) : default,
                cancellationToken);
        }

        if (parts.HasFlag(CatalogueParts.Prompts))
        {
            prompts = capabilities.Prompts is null ? [] : await ListAllAsync(
                async (cursor, ct) => await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, ct) is var r ? (r.Prompts, r.NextCursor) : default,
                cancellationToken);
        }

        return new ServerCatalogue(tools, resources, templates, prompts);
    }

    /// <summary>Lists every page, stopping at the last one, at a cursor seen before, or after <see cref="MaxPages"/>.</summary>
    private static async Task<IReadOnlyList<T>> ListAllAsync<T>(Func<string?, CancellationToken, Task<(IList<T> Items, string? NextCursor)>> listPage, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        string? cursor = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int page = 0; page < MaxPages; page++)
        {
            (IList<T> items, string? next) = await listPage(cursor, cancellationToken);
            if (items is not null)
            {
                all.AddRange(items);
            }

            if (string.IsNullOrEmpty(next) || !seen.Add(next))
            {
                break;
            }

            cursor = next;
        }

        return all;
    }

    [LoggerMessage(EventId = 1203, EventName = "ServerCatalogueRefreshed", Level = LogLevel.Debug, Message = "Server {ServerId} catalogue refreshed ({Parts}); {ToolCount} tools")]
    private static partial void LogCatalogueRefreshed(ILogger logger, string serverId, CatalogueParts parts, int toolCount);

    [LoggerMessage(EventId = 1204, EventName = "ServerRefreshFailed", Level = LogLevel.Warning, Message = "Server {ServerId} catalogue refresh failed")]
    private static partial void LogRefreshFailed(ILogger logger, string serverId, Exception exception);
}
