using McpFoundation.AspNetCore.Http;
using McpFoundation.AspNetCore.Security;
using McpFoundation.Front;
using McpFoundation.Front.Frames;
using McpFoundation.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using McpFoundation.Sessions;
using McpFoundation.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace McpFoundation.AspNetCore;

/// <summary>Adds and maps the gateway's HTTP front: Streamable HTTP at <c>/mcp</c>, Origin and Host checks, <c>/healthz</c>, the emergency admin API.</summary>
public static class McpFoundationHttpExtensions
{
    /// <summary>Adds the Streamable HTTP front. Call after <c>AddMcpFoundation</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the HTTP settings.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMcpFoundationHttp(this IServiceCollection services, Action<McpFoundationHttpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<McpFoundationHttpOptions> options = services.AddOptions<McpFoundationHttpOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(static sp => new OriginAndHostValidator(sp.GetRequiredService<IOptions<McpFoundationHttpOptions>>().Value));
        services.TryAddSingleton<OriginAndHostFilter>();
        services.TryAddSingleton<DirectToolCallFilter>();
        services.TryAddSingleton<SdkErrorWordingFilter>();
        services.TryAddSingleton<RequestParamsFilter>();
        services.TryAddSingleton(static sp => sp.GetRequiredService<GatewayConfigurationProvider>().Current.GetSection<HttpFrontSettings>(HttpFrontSettings.SectionKey) ?? HttpFrontSettings.Default);
        services.TryAddSingleton<FrameGuardFilter>();
        services.AddOptions<KestrelServerOptions>().Configure<HttpFrontSettings>(static (kestrel, settings) => McpFoundationWebHostExtensions.ApplyLimits(kestrel.Limits, settings));

        services.AddMcpServer()
            .WithHttpTransport(static _ => { });

        services.AddOptions<McpServerOptions>().Configure<GatewayServerOptions>(static (o, gateway) => gateway.Configure(o));
        services.AddOptions<HttpServerTransportOptions>().Configure<SessionRegistry, IOptions<McpFoundationHttpOptions>>(static (o, sessions, http) =>
        {
            // 2025-11-25 clients get sessions (initialize handshake); 2026-07-28 clients are served statelessly.
            o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
            o.IdleTimeout = http.Value.IdleTimeout;
            o.RunSessionHandler = async (httpContext, server, cancellationToken) =>
            {
                if (string.IsNullOrEmpty(server.SessionId))
                {
                    // A stateless request: nothing outlives it, so there is no session to register.
                    await server.RunAsync(cancellationToken);
                    return;
                }

                // The SDK has let this user start the session, so the user has an owner by its rule (or is anonymous).
                _ = SessionOwner.TryGet(httpContext.User, out SessionOwner? owner);
                ClientSession session = sessions.Register(server, server.SessionId, httpContext.User, owner);
                try
                {
                    await server.RunAsync(cancellationToken);
                }
                finally
                {
                    sessions.Unregister(session);
                }
            };
        });
        return services;
    }

    /// <summary>Maps the MCP endpoint (with Origin and Host validation), <c>/healthz</c> and the emergency admin API (<c>/admin/emergency</c>).</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>The MCP endpoint's convention builder.</returns>
    public static IEndpointConventionBuilder MapMcpFoundation(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        McpFoundationHttpOptions options = endpoints.ServiceProvider.GetRequiredService<IOptions<McpFoundationHttpOptions>>().Value;
        OriginAndHostFilter filter = endpoints.ServiceProvider.GetRequiredService<OriginAndHostFilter>();

        endpoints.MapGet("/healthz", static (ServerManager servers) =>
        {
            IReadOnlyList<ServerHealth> health = servers.GetHealth();
            bool healthy = health.Where(h => h.State != ServerState.Disabled).All(h => h.IsHealthy);
            return Results.Json(
                new
                {
                    status = healthy ? "healthy" : "degraded",
                    servers = health.Select(h => new { id = h.ServerId, state = h.State.ToString(), error = h.ErrorMessage }),
                },
                statusCode: StatusCodes.Status200OK);
        }).AddEndpointFilter(filter);

        // The same path for any other method or Content-Type, after the SDK's endpoints (a higher order): routing would
        // answer those with an empty 405 or 415; the gateway answers with a JSON-RPC error that says what to send.
        endpoints.Map(options.EndpointPath, static (HttpContext http) => FrameGuardFilter.WriteUnroutableAsync(http))
            .WithOrder(1)
            .AddEndpointFilter(filter);

        // The emergency stop's admin API (off without an admin key; see docs/emergency.md).
        Admin.EmergencyAdminEndpoints.Map(endpoints, filter);

        McpFoundationMetricsEndpoint.MapIfEnabled(endpoints);
        return endpoints.MapMcp(options.EndpointPath)
            .AddEndpointFilter(filter)
            .AddEndpointFilter(endpoints.ServiceProvider.GetRequiredService<FrameGuardFilter>())
            .AddEndpointFilter(new GatewayStartedFilter(endpoints.ServiceProvider.GetRequiredService<McpSecurityIntegration>()))
            .AddEndpointFilter(endpoints.ServiceProvider.GetRequiredService<DirectToolCallFilter>())
            .AddEndpointFilter(endpoints.ServiceProvider.GetRequiredService<RequestParamsFilter>())
            .AddEndpointFilter(endpoints.ServiceProvider.GetRequiredService<SdkErrorWordingFilter>());
    }
}
