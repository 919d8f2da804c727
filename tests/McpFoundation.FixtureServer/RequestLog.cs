using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer;

/// <summary>
/// The recording fixture: with <c>FIXTURE_REQUEST_LOG=FILE</c> every request and notification the server receives is
/// appended to FILE as one JSON line <c>{"method": ..., "params": ...}</c>, before it is handled. Tests read it to prove
/// what reached the server, and above all what did not (a request the gateway refused).
/// </summary>
internal static class RequestLog
{
    public const string FileVariable = "FIXTURE_REQUEST_LOG";
    private static readonly Lock FileLock = new();

    public static IMcpServerBuilder WithRequestLog(this IMcpServerBuilder builder)
    {
        if (Environment.GetEnvironmentVariable(FileVariable) is not { Length: > 0 } path)
        {
            return builder;
        }

        return builder.WithMessageFilters(filters => filters.AddIncomingFilter(next => async (context, cancellationToken) =>
        {
            (string? method, JsonNode? parameters) = context.JsonRpcMessage switch
            {
                JsonRpcRequest request => (request.Method, request.Params),
                JsonRpcNotification notification => (notification.Method, notification.Params),
                _ => (null, null),
            };
            if (method is not null)
            {
                string line = new JsonObject { ["method"] = method, ["params"] = parameters?.DeepClone() }.ToJsonString(McpJsonUtilities.DefaultOptions);
                lock (FileLock)
                {
                    File.AppendAllText(path, line + "\n");
                }
            }

            await next(context, cancellationToken);
        }));
    }
}
