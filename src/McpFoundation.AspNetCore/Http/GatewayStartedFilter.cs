using Microsoft.AspNetCore.Http;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// Holds a request to the MCP endpoint until the gateway's servers have started: the front binds its port before
/// they start (so a port in use fails at once), and a client that connects meanwhile must not see an empty catalogue.
/// Once started it costs one completed-task check.
/// </summary>
internal sealed class GatewayStartedFilter(McpSecurityIntegration gateway) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        gateway.Started.IsCompletedSuccessfully ? next(context) : WaitThenInvokeAsync(gateway.Started, context, next);

    private static async ValueTask<object?> WaitThenInvokeAsync(Task started, EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        await started.WaitAsync(context.HttpContext.RequestAborted);
        return await next(context);
    }
}
