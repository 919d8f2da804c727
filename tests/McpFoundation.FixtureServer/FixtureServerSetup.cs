using McpFoundation.FixtureServer.Resources;
using McpFoundation.FixtureServer.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace McpFoundation.FixtureServer;

/// <summary>Registers the fixture's tools, resources, prompts and handlers; the transport is chosen by the caller.</summary>
internal static class FixtureServerSetup
{
    public static IMcpServerBuilder AddFixtureServer(this IServiceCollection services, FixtureSettings settings)
    {
        var sessions = new SessionState();
        services.AddSingleton(sessions);

        var builder = services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = settings.ServerName, Version = "1.0.0" };
                o.Capabilities = new ServerCapabilities
                {
                    Tools = new ToolsCapability { ListChanged = true },
                    Prompts = new PromptsCapability { ListChanged = true },
                    Resources = new ResourcesCapability { ListChanged = true, Subscribe = true },
                };
            })
            .WithToolsFromAssembly()
            .WithTools(ExtraTools.Create(settings.ExtraToolCount))
            .WithResources(RecordingResources.Create(settings.ResourceTemplates))
            .WithPromptsFromAssembly()
            .WithCompleteHandler(Completions.CompleteAsync)
            .WithSubscriptionsKeptIn(sessions)
            .WithRequestLog();
        if (settings.SensitiveTools)
        {
            // Not [McpServerToolType]: WithToolsFromAssembly must not find them.
            builder.WithTools([typeof(SensitiveTools)]);
        }

#pragma warning disable MCP9005 // Logging is deprecated by 2026-07-28 (SEP-2577); the fixture exercises it on purpose.
        builder.WithSetLoggingLevelHandler((request, _) =>
        {
            if (request.Params is { } p)
            {
                sessions.SetLogLevel(request.Server, p.Level);
            }

            return ValueTask.FromResult(new EmptyResult());
        });
#pragma warning restore MCP9005

        if (settings.StallPings)
        {
            builder.WithMessageFilters(filters => filters.AddIncomingFilter(StalledPings.Filter));
        }

        if (settings.PageSize is int pageSize)
        {
            builder.WithRequestFilters(filters => filters
                .AddListToolsFilter(Pagination.Paginate<ListToolsRequestParams, ListToolsResult, Tool>(
                    pageSize, r => r.Tools, t => t.Name))
                .AddListPromptsFilter(Pagination.Paginate<ListPromptsRequestParams, ListPromptsResult, Prompt>(
                    pageSize, r => r.Prompts, p => p.Name))
                .AddListResourcesFilter(Pagination.Paginate<ListResourcesRequestParams, ListResourcesResult, Resource>(
                    pageSize, r => r.Resources, r => r.Uri))
                .AddListResourceTemplatesFilter(Pagination.Paginate<ListResourceTemplatesRequestParams, ListResourceTemplatesResult, ResourceTemplate>(
                    pageSize, r => r.ResourceTemplates, t => t.UriTemplate)));
        }

        if (!settings.NoResources)
        {
            builder.WithResourcesFromAssembly();
        }

        return builder;
    }
}
