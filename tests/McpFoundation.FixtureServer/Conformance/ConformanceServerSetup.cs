using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Conformance;

/// <summary>
/// <c>--conformance</c> mode: the tools, prompts and resources the MCP conformance suite
/// (<c>@modelcontextprotocol/conformance</c>, server mode) calls by name, with the contents its checks expect.
/// Nothing else of the fixture is registered in this mode. The types here carry no
/// <c>[McpServer*Type]</c> attribute on purpose: the fixture's normal mode registers its primitives with
/// <c>With*FromAssembly()</c> and must not pick these up.
/// </summary>
internal static class ConformanceServerSetup
{
    public const string ServerName = "mcpfoundation-fixture-conformance";

    public static IMcpServerBuilder AddConformanceServer(this IServiceCollection services, FixtureSettings settings)
    {
        var sessions = new SessionState();
        services.AddSingleton(sessions);

        string name = settings.ServerName == FixtureSettings.DefaultServerName ? ServerName : settings.ServerName;
        var builder = services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = name, Version = "1.0.0" };
                o.Capabilities = new ServerCapabilities
                {
                    Tools = new ToolsCapability { ListChanged = true },
                    Prompts = new PromptsCapability { ListChanged = true },
                    Resources = new ResourcesCapability { ListChanged = true, Subscribe = true },
                };
            })
            .WithTools<ConformanceTools>()
            .WithTools([ConformanceTools.CreateJsonSchema202012Tool()])
            .WithPrompts<ConformancePrompts>()
            .WithResources<ConformanceResources>()
            .WithCompleteHandler(ConformanceCompletions.CompleteAsync)
            .WithSubscriptionsKeptIn(sessions);

#pragma warning disable MCP9005 // Logging is deprecated by 2026-07-28 (SEP-2577); the suite still tests it.
        builder.WithSetLoggingLevelHandler((request, _) =>
        {
            if (request.Params is { } p)
            {
                sessions.SetLogLevel(request.Server, p.Level);
            }

            return ValueTask.FromResult(new EmptyResult());
        });
#pragma warning restore MCP9005

        return builder;
    }
}
