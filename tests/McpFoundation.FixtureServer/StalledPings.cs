using McpFoundation.FixtureServer.Tools;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer;

/// <summary><c>--stall-pings</c>: a ping is taken in and never answered, as by a server that hangs.</summary>
internal static class StalledPings
{
    public static McpMessageHandler Filter(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.Ping } ping)
        {
            await LifecycleTools.RecordEventAsync($"ping {ping.Id}");
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return;
        }

        await next(context, cancellationToken);
    };
}
