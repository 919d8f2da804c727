using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// Logging is deprecated by the 2026-07-28 revision (SEP-2577); the fixture exercises it on purpose.
#pragma warning disable MCP9005

namespace McpFoundation.FixtureServer.Tools;

/// <summary>Tools that make the server send notifications: list_changed, resources/updated and log messages.</summary>
[McpServerToolType]
internal static class NotificationTools
{
    // Adding to the SDK's tool collection is enough: every stateful session is subscribed to the collection's
    // Changed event and sends notifications/tools/list_changed itself (fire-and-forget, on the session's
    // channel, so it may arrive after this call's result).
    [McpServerTool(Name = "add_tool")]
    [Description("Registers a new tool with the given name (it echoes its message); the server then sends notifications/tools/list_changed.")]
    public static string AddTool(McpServer server, [Description("The new tool's name.")] string name)
    {
        McpServerPrimitiveCollection<McpServerTool> tools = server.ServerOptions.ToolCollection
            ?? throw new McpException("This server has no tool collection to add to.");

        if (!tools.TryAdd(ExtraTools.CreateEcho(name, "Added at runtime by add_tool. Returns the message unchanged.")))
        {
            throw new McpException($"A tool named '{name}' already exists; choose another name.");
        }

        return $"added {name}";
    }

    [McpServerTool(Name = "touch_resource")]
    [Description("Sends notifications/resources/updated for the URI to every session subscribed to it; returns how many were notified.")]
    public static async Task<string> TouchResource(
        McpServer server,
        SessionState sessions,
        [Description("The resource URI that changed.")] string uri,
        CancellationToken cancellationToken)
    {
        int notified = 0;
        foreach (McpServer subscriber in sessions.SubscribersOf(uri, server))
        {
            await subscriber.SendNotificationAsync(
                NotificationMethods.ResourceUpdatedNotification,
                new ResourceUpdatedNotificationParams { Uri = uri },
                McpJsonUtilities.DefaultOptions,
                cancellationToken);
            notified++;
        }

        return $"notified {notified}";
    }

    [McpServerTool(Name = "log")]
    [Description("Sends a notifications/message log message at the given level, unless the client asked (logging/setLevel) for a higher level only.")]
    public static async Task<string> Log(
        McpServer server,
        SessionState sessions,
        RequestContext<CallToolRequestParams> context,
        [Description("The severity: debug, info, notice, warning, error, critical, alert or emergency.")] LoggingLevel level,
        [Description("The log message.")] string message,
        CancellationToken cancellationToken)
    {
        // A 2026-07-28 client sends its level with each request (_meta); older ones use logging/setLevel.
        LoggingLevel? threshold = context.JsonRpcRequest.Context?.LogLevel ?? sessions.GetLogLevel(server);
        if (level < threshold)
        {
            return "suppressed";
        }

        await server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams
            {
                Level = level,
                Logger = "fixture",
                Data = JsonSerializer.SerializeToElement(message, McpJsonUtilities.DefaultOptions),
            },
            McpJsonUtilities.DefaultOptions,
            cancellationToken);

        return "logged";
    }
}
