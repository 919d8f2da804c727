using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpFoundation.AspNetCore.Security;

/// <summary>Refuses requests to the MCP endpoint whose Host or Origin is not allowed, with a JSON-RPC error body.</summary>
internal sealed partial class OriginAndHostFilter(OriginAndHostValidator validator, ILogger<OriginAndHostFilter> logger) : IEndpointFilter
{
    /// <summary>The JSON-RPC error code of a refused Host or Origin (see docs/errors.md).</summary>
    public const int ForbiddenOriginCode = McpFoundation.Pipeline.GatewayErrorCodes.ForbiddenOrigin;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpRequest request = context.HttpContext.Request;
        string? origin = request.Headers.Origin.Count > 0 ? request.Headers.Origin.ToString() : null;
        if (validator.Validate(request.Host.Value, origin) is { } reason)
        {
            LogRefused(logger, request.Host.Value, origin, reason);
            return Results.Json(
                new { jsonrpc = "2.0", id = (object?)null, error = new { code = ForbiddenOriginCode, message = reason } },
                statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }

    [LoggerMessage(EventId = 2000, EventName = "OriginOrHostRefused", Level = LogLevel.Warning, Message = "Refused HTTP request for host {Host} from origin {Origin}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? host, string? origin, string reason);
}
