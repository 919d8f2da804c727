using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Sessions;

/// <summary>
/// Carries what servers send towards clients: server-to-client requests (sampling, elicitation, roots) to the one
/// session whose call caused them, through the pipeline; log messages and resource updates to the sessions that want them.
/// </summary>
internal sealed partial class ClientBridge
{
    private readonly SessionRegistry _sessions;
    private readonly OperationPipeline _pipeline;
    private readonly ILogger _logger;

    public ClientBridge(SessionRegistry sessions, OperationPipeline pipeline, ILogger<ClientBridge> logger)
    {
        _sessions = sessions;
        _pipeline = pipeline;
        _logger = logger;
    }

    public ValueTask<CreateMessageResult> SampleAsync(DownstreamServer server, CreateMessageRequestParams? request, CancellationToken cancellationToken) =>
        ForwardAsync(server, RequestMethods.SamplingCreateMessage, request ?? throw MissingParams("sampling/createMessage"), static c => c?.Sampling is not null,
            static (server, r, ct) => server.SampleAsync(r, ct),
            static r => InputRequest.ForSampling(r),
            static response => response.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo),
            cancellationToken);

    public ValueTask<ElicitResult> ElicitAsync(DownstreamServer server, ElicitRequestParams? request, CancellationToken cancellationToken) =>
        ForwardAsync(server, RequestMethods.ElicitationCreate, request ?? throw MissingParams("elicitation/create"), static c => c?.Elicitation is not null,
            static (server, r, ct) => server.ElicitAsync(r, ct),
            static r => InputRequest.ForElicitation(r),
            static response => response.Deserialize(InputResponse.ElicitResultJsonTypeInfo),
            cancellationToken);

    public ValueTask<ListRootsResult> ListRootsAsync(DownstreamServer server, ListRootsRequestParams? request, CancellationToken cancellationToken)
    {
        if (server.InFlightCalls.Count == 0)
        {
            // Servers ask for roots right after initialization, before any client call: the gateway itself grants no
            // roots, so the truthful and least-privileged answer is an empty list (servers then keep their own settings).
            LogNoRootsOutsideCall(_logger, server.Id);
            return ValueTask.FromResult(new ListRootsResult { Roots = [] });
        }

        return ForwardAsync(server, RequestMethods.RootsList, request ?? new ListRootsRequestParams(), static c => c?.Roots is not null,
            static (server, r, ct) => server.RequestRootsAsync(r, ct),
            static r => InputRequest.ForRootsList(r),
            static response => response.Deserialize(InputResponse.ListRootsResultJsonTypeInfo),
            cancellationToken);
    }

    private static McpProtocolException MissingParams(string method) => new($"{method} needs params.", McpErrorCode.InvalidParams);

    public async ValueTask OnServerNotificationAsync(DownstreamServer server, JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        switch (notification.Method)
        {
            case NotificationMethods.LoggingMessageNotification:
                await ForwardLogMessageAsync(server, notification, cancellationToken);
                break;

            case NotificationMethods.ResourceUpdatedNotification:
                string? uri = (notification.Params as JsonObject)?["uri"]?.GetValue<string>();
                if (uri is null)
                {
                    return;
                }

                foreach (ClientSession session in _sessions.Sessions)
                {
                    if (session.IsSubscribed(uri))
                    {
                        await SendQuietlyAsync(new NotificationRoute(notification.Method, server.Id, uri, session), notification.Params?.DeepClone(), cancellationToken);
                    }
                }

                break;
        }
    }

    /// <summary>Sends a notification to every persistent session (used for list_changed), each through the pipeline.</summary>
    public async Task BroadcastAsync(string method, CancellationToken cancellationToken = default)
    {
        foreach (ClientSession session in _sessions.Sessions)
        {
            await SendQuietlyAsync(new NotificationRoute(method, null, method, session), null, cancellationToken);
        }
    }

    /// <summary>Sends a notification without parameters (a <c>list_changed</c>) to one session; a failure is logged, not thrown.</summary>
    public ValueTask NotifyAsync(ClientSession session, string method, CancellationToken cancellationToken = default) =>
        SendQuietlyAsync(new NotificationRoute(method, null, method, session), null, cancellationToken);

    private async ValueTask ForwardLogMessageAsync(DownstreamServer server, JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params is not JsonObject parameters)
        {
            return;
        }

        LoggingLevel level = ParseLevel(parameters["level"]?.GetValue<string>());
        string? logger = parameters["logger"]?.GetValue<string>();
        foreach (ClientSession session in _sessions.Sessions)
        {
            if (session.LoggingLevel is { } wanted && level < wanted)
            {
                continue;
            }

            var forwarded = (JsonObject)parameters.DeepClone();
            forwarded["logger"] = logger is null ? server.Id : server.Id + "/" + logger;
            await SendQuietlyAsync(new NotificationRoute(notification.Method, server.Id, logger, session), forwarded, cancellationToken);
        }
    }

    private static LoggingLevel ParseLevel(string? level) => level switch
    {
        "debug" => LoggingLevel.Debug,
        "info" => LoggingLevel.Info,
        "notice" => LoggingLevel.Notice,
        "warning" => LoggingLevel.Warning,
        "error" => LoggingLevel.Error,
        "critical" => LoggingLevel.Critical,
        "alert" => LoggingLevel.Alert,
        "emergency" => LoggingLevel.Emergency,
        _ => LoggingLevel.Info,
    };

    private async ValueTask<TResult> ForwardAsync<TRequest, TResult>(
        DownstreamServer server,
        string method,
        TRequest request,
        Func<ClientCapabilities?, bool> hasCapability,
        Func<McpServer, TRequest, CancellationToken, ValueTask<TResult>> send,
        Func<TRequest, InputRequest> asInputRequest,
        Func<InputResponse, TResult?> fromInputResponse,
        CancellationToken cancellationToken)
    {
        InFlightCall call = ResolveCall(server, method);
        if (call.Session is not { } session || call.RequestServer is not { } requestServer)
        {
            LogRefused(_logger, method, server.Id, "the call came from the library API, which has no client to ask", call.CorrelationId);
            throw new McpProtocolException(
                $"Server '{server.Id}' sent {method} during a call made through the gateway's library API, which has no client to answer it.",
                (McpErrorCode)GatewayErrorCodes.ClientCapabilityMissing);
        }

        if (!hasCapability(session.Capabilities))
        {
            LogRefused(_logger, method, server.Id, "client lacks the capability", call.CorrelationId);
            throw new McpProtocolException(
                $"The client of this call did not declare the capability {method} needs, so the gateway cannot forward it.",
                (McpErrorCode)GatewayErrorCodes.ClientCapabilityMissing);
        }

        JsonTypeInfo<TRequest> requestType = (JsonTypeInfo<TRequest>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(TRequest));
        var context = new OperationContext(OperationCategory.ServerToClientRequest, method)
        {
            Parent = call.Context,
            Session = session,
            User = session.User,
            CorrelationId = call.CorrelationId,
            Arguments = _pipeline.HasFilters ? OperationPipeline.ArgumentsOf(JsonSerializer.SerializeToNode(request, requestType)) : null,
        };
        context.Resolve(method, server.Id, null, call.Context?.Target);

        PipelineResult<TResult> result = await _pipeline.ExecuteAsync(
            context,
            (Send: send, Request: request, RequestServer: requestServer, call.Exchange, AsInput: asInputRequest, FromInput: fromInputResponse, Method: method, RequestType: requestType),
            static async (ctx, state, ct) =>
            {
                TRequest request = ctx.ArgumentsReplacedBy is null
                    ? state.Request
                    : OperationPipeline.ParametersOf(ctx.Arguments).Deserialize(state.RequestType) ?? state.Request;

                if (state.Exchange is { } exchange)
                {
                    // A stateless client answers through the multi-round-trip protocol: the request travels as an input request.
                    InputResponse response = await exchange.RequestAsync(state.AsInput(request), ct);
                    return state.FromInput(response)
                        ?? throw new McpProtocolException($"The client's answer to {state.Method} could not be read.", McpErrorCode.InvalidParams);
                }

                try
                {
                    return await state.Send(state.RequestServer, request, ct);
                }
                catch (InvalidOperationException ex)
                {
                    // The SDK refuses legacy server-to-client requests on stateless (2026-07-28 HTTP) sessions.
                    throw new McpProtocolException(
                        "The client's session cannot receive this request: " + ex.Message + " Connect with a stateful session (protocol 2025-11-25, or stdio) to use sampling, elicitation or roots through the gateway.",
                        (McpErrorCode)GatewayErrorCodes.ClientCapabilityMissing);
                }
            },
            cancellationToken);

        return result.IsAllowed ? result.Value! : throw GatewayErrors.Refusal(result.Decision, context.CorrelationId);
    }

    private InFlightCall ResolveCall(DownstreamServer server, string method)
    {
        InFlightCall? found = null;
        foreach (InFlightCall call in server.InFlightCalls)
        {
            if (found is null)
            {
                found = call;
            }
            else if (!ReferenceEquals(found.Session, call.Session))
            {
                LogRefused(_logger, method, server.Id, "several client sessions have calls in flight on this server", found.CorrelationId);
                throw new McpProtocolException(
                    $"Server '{server.Id}' sent {method} while calls from several client sessions were in flight, so the gateway cannot tell whose it is and refuses it rather than risk sending it to the wrong user.",
                    (McpErrorCode)GatewayErrorCodes.ClientRequestNotRoutable);
            }
        }

        if (found is null)
        {
            LogRefused(_logger, method, server.Id, "no client call in flight", "-");
            throw new McpProtocolException(
                $"Server '{server.Id}' sent {method} outside any client request; the gateway forwards server-to-client requests only on behalf of the call that caused them.",
                (McpErrorCode)GatewayErrorCodes.ClientRequestNotRoutable);
        }

        return found;
    }

    /// <summary>Sends a notification to one session if the pipeline allows it; a session that is gone is logged, not thrown.</summary>
    private async ValueTask SendQuietlyAsync(NotificationRoute route, JsonNode? parameters, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.ForwardNotificationAsync(
                route,
                parameters,
                route,
                static (r, p, ct) => r.Session!.SendNotificationAsync(r.Method, p, ct),
                cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogNotificationFailed(_logger, route.Method, route.Session?.Id ?? "?", ex);
        }
    }

    [LoggerMessage(EventId = 1400, EventName = "ServerToClientRequestRefused", Level = LogLevel.Warning,
        Message = "Refused {Method} from server {ServerId}: {Reason} (correlation {CorrelationId})")]
    private static partial void LogRefused(ILogger logger, string method, string serverId, string reason, string correlationId);

    [LoggerMessage(EventId = 1402, EventName = "NoRootsOutsideCall", Level = LogLevel.Debug, Message = "Server {ServerId} asked for roots outside any client call; answered with no roots")]
    private static partial void LogNoRootsOutsideCall(ILogger logger, string serverId);

    [LoggerMessage(EventId = 1401, EventName = "NotificationFailed", Level = LogLevel.Debug, Message = "Could not send {Method} to session {SessionId}")]
    private static partial void LogNotificationFailed(ILogger logger, string method, string sessionId, Exception exception);
}
