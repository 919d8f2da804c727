using McpFoundation.Pipeline;
using McpFoundation.Servers;
using McpFoundation.Sessions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Routing;

/// <summary>
/// <c>logging/setLevel</c>: the session's level changes only in the terminal step of an allowed request; then the most
/// verbose level any session wants is sent to every server that logs, each server as an operation of its own through
/// the pipeline (a filter may keep a server out), and the gateway filters log messages per session.
/// </summary>
internal sealed partial class LoggingLevels
{
    private readonly ServerManager _servers;
    private readonly SessionRegistry _sessions;
    private readonly OperationPipeline _pipeline;
    private readonly ILogger _logger;

    public LoggingLevels(ServerManager servers, SessionRegistry sessions, OperationPipeline pipeline, ILogger<LoggingLevels> logger)
    {
        _servers = servers;
        _sessions = sessions;
        _pipeline = pipeline;
        _logger = logger;
    }

    /// <summary>The pipeline's terminal of an allowed setLevel: set the session's level, then tell the servers.</summary>
    public async ValueTask SetAsync(OperationContext request, ClientSession session, LoggingLevel level, CancellationToken cancellationToken)
    {
        session.LoggingLevel = level;
        LoggingLevel mostVerbose = _sessions.Sessions.Select(s => s.LoggingLevel ?? level).Append(level).Min();
        foreach (DownstreamServer server in _servers.Servers)
        {
            if (server.Capabilities?.Logging is null || server.Health.State != ServerState.Connected)
            {
                continue;
            }

            var perServer = new OperationContext(OperationCategory.LoggingLevel, RequestMethods.LoggingSetLevel)
            {
                CorrelationId = request.CorrelationId,
                Parent = request,
                Session = session,
                User = request.User,
                Meta = request.Meta,
            };
            perServer.Resolve(mostVerbose.ToString(), server.Id, null, new OperationTarget { ServerId = server.Id, Server = server.Definition });
            try
            {
                PipelineResult<bool> sent = await _pipeline.ExecuteAsync(
                    perServer,
                    (Server: server, Level: mostVerbose),
                    static async (_, s, ct) =>
                    {
                        await s.Server.InvokeAsync("logging/setLevel", s.Level, static async (c, l, t) => { await c.SetLoggingLevelAsync(l, cancellationToken: t); return true; }, ct);
                        return true;
                    },
                    cancellationToken);
                if (!sent.IsAllowed)
                {
                    LogSkipped(_logger, server.Id, sent.Decision.DeniedBy ?? "?", request.CorrelationId);
                }
            }
            catch (McpException ex)
            {
                LogSetLevelFailed(_logger, server.Id, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 1601, EventName = "SetLevelFailed", Level = LogLevel.Debug, Message = "Server {ServerId}: logging/setLevel failed: {Message}")]
    private static partial void LogSetLevelFailed(ILogger logger, string serverId, string message);

    [LoggerMessage(EventId = 1602, EventName = "SetLevelSkipped", Level = LogLevel.Information, Message = "Server {ServerId} was not sent logging/setLevel: denied by {Filter} (correlation {CorrelationId})")]
    private static partial void LogSkipped(ILogger logger, string serverId, string filter, string correlationId);
}
