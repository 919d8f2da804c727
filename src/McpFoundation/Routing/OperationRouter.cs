using System.Text.Json.Nodes;
using McpFoundation.Pipeline;
using McpFoundation.Sessions;
using McpFoundation.Tools;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Routing;

/// <summary>
/// The end of the pipeline: resolves what a client named to a server, and forwards the request on that server's
/// connection, relaying its progress and keeping track of the call for server-to-client requests.
/// </summary>
internal sealed partial class OperationRouter
{
    private readonly ServerManager _servers;
    private readonly CatalogueStore _catalogue;
    private readonly OperationPipeline _pipeline;
    private readonly SuspendedCallStore _suspended = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _subscriptionLock = new();
    private readonly Dictionary<(string ServerId, string Uri), int> _subscriptions = [];

    public OperationRouter(ServerManager servers, CatalogueStore catalogue, SessionRegistry sessions, OperationPipeline pipeline, TimeProvider timeProvider, ILogger<OperationRouter> logger)
    {
        _timeProvider = timeProvider;
        _servers = servers;
        _catalogue = catalogue;
        _pipeline = pipeline;
        _logger = logger;
        sessions.SessionEnded += OnSessionEnded;
    }

    /// <summary>Fills in the server and server name of a tool call; returns an error message if the tool is unknown.</summary>
    public string? ResolveTool(OperationContext context, string exposedName)
    {
        context.TargetName = exposedName;
        if (_catalogue.Current.TryGetTool(exposedName, out NamedRoute route))
        {
            context.ServerId = route.ServerId;
            context.DownstreamName = route.DownstreamName;
            return null;
        }

        return $"Unknown tool '{exposedName}'. Call tools/list for the tools available now (names are '<server>{ToolNaming.Separator}<tool>' when namespacing is \"prefix\").";
    }

    /// <summary>
    /// For a tool name that resolved to nothing: when it is <c>server__tool</c> (namespacing <c>prefix</c>) and that server
    /// is configured but not connected, its tools are gone from the catalogue, so the caller must hear "server unavailable"
    /// (-32010, naming it) rather than "unknown tool".
    /// </summary>
    public McpProtocolException? UnavailableServerOf(OperationContext context, string exposedName)
    {
        int separator = exposedName.IndexOf(ToolNaming.Separator, StringComparison.Ordinal);
        if (_catalogue.Namespacing != Configuration.ToolNamespacing.Prefix
            || separator <= 0
            || !_servers.TryGetServer(exposedName[..separator], out DownstreamServer server)
            || server.Health.State == ServerState.Connected)
        {
            return null;
        }

        context.ServerId = server.Id;
        context.DownstreamName = exposedName[(separator + ToolNaming.Separator.Length)..];
        return server.Unavailable();
    }

    public string? ResolvePrompt(OperationContext context, string exposedName)
    {
        context.TargetName = exposedName;
        if (_catalogue.Current.TryGetPrompt(exposedName, out NamedRoute route))
        {
            context.ServerId = route.ServerId;
            context.DownstreamName = route.DownstreamName;
            return null;
        }

        return $"Unknown prompt '{exposedName}'. Call prompts/list for the prompts available now.";
    }

    public string? ResolveResource(OperationContext context, string uri)
    {
        context.TargetName = uri;
        context.DownstreamName = uri;
        ResourceOwner owner = _catalogue.Current.ResolveResource(uri);
        if (owner.ServerId is { } serverId)
        {
            context.ServerId = serverId;
            return null;
        }

        return owner.Problem ?? $"Resource '{uri}' is not offered by any connected server. Call resources/list or resources/templates/list for what is available.";
    }

    public string? ResolveCompletion(OperationContext context, Reference reference)
    {
        switch (reference)
        {
            case PromptReference prompt:
                return ResolvePrompt(context, prompt.Name);
            case ResourceTemplateReference resource:
                context.TargetName = resource.Uri;
                context.DownstreamName = resource.Uri;
                ResourceOwner owner = resource.Uri is null ? ResourceOwner.None : _catalogue.Current.ResolveTemplate(resource.Uri);
                context.ServerId = owner.ServerId;
                return context.ServerId is null ? owner.Problem ?? $"No connected server offers the resource template '{resource.Uri}'." : null;
            default:
                return "completion/complete needs a ref of type 'ref/prompt' or 'ref/resource'.";
        }
    }

    public bool SupportsCompletion(string serverId) =>
        _servers.TryGetServer(serverId, out DownstreamServer server) && server.Capabilities?.Completions is not null;

    /// <summary>Gets the number of tool calls waiting for a stateless client to answer input requests.</summary>
    internal int SuspendedCallCount => _suspended.Count;

    public ValueTask<CallToolResult> CallToolAsync(OperationContext context, CallToolRequestParams request, McpServer? requestServer, CancellationToken cancellationToken)
    {
        if (request.RequestState is { } requestState)
        {
            return ResumeToolCallAsync(context, request, requestState, requestServer!, cancellationToken);
        }

        CallToolRequestParams downstream = new() { Name = context.DownstreamName!, Arguments = request.Arguments, Meta = ForwardedMeta(request.Meta) };
        if (requestServer is { IsMrtrSupported: true } && context.Session is { IsPersistent: false })
        {
            // A stateless (2026-07-28) client cannot receive server-to-client requests: forward them as MRTR input requests.
            return StartSuspendableToolCallAsync(context, request, downstream, requestServer, cancellationToken);
        }

        return ForwardAsync<CallToolRequestParams, CallToolResult>(context, requestServer, request.ProgressToken, downstream, RequestMethods.ToolsCall, cancellationToken);
    }

    public ValueTask<ReadResourceResult> ReadResourceAsync(OperationContext context, ReadResourceRequestParams request, McpServer? requestServer, CancellationToken cancellationToken) =>
        ForwardAsync<ReadResourceRequestParams, ReadResourceResult>(
            context,
            requestServer,
            request.ProgressToken,
            new ReadResourceRequestParams { Uri = request.Uri, Meta = ForwardedMeta(request.Meta) },
            RequestMethods.ResourcesRead,
            cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(OperationContext context, GetPromptRequestParams request, McpServer? requestServer, CancellationToken cancellationToken) =>
        ForwardAsync<GetPromptRequestParams, GetPromptResult>(
            context,
            requestServer,
            request.ProgressToken,
            new GetPromptRequestParams { Name = context.DownstreamName!, Arguments = request.Arguments, Meta = ForwardedMeta(request.Meta) },
            RequestMethods.PromptsGet,
            cancellationToken);

    public ValueTask<CompleteResult> CompleteAsync(OperationContext context, CompleteRequestParams request, McpServer? requestServer, CancellationToken cancellationToken)
    {
        Reference reference = request.Ref is PromptReference prompt
            ? new PromptReference { Name = context.DownstreamName!, Title = prompt.Title }
            : request.Ref;
        return ForwardAsync<CompleteRequestParams, CompleteResult>(
            context,
            requestServer,
            request.ProgressToken,
            new CompleteRequestParams { Ref = reference, Argument = request.Argument, Context = request.Context, Meta = ForwardedMeta(request.Meta) },
            RequestMethods.CompletionComplete,
            cancellationToken);
    }

    /// <summary>Subscribes the session to a resource; the server is subscribed once, however many sessions want it.</summary>
    public async ValueTask SubscribeAsync(OperationContext context, ClientSession session, string uri, CancellationToken cancellationToken)
    {
        DownstreamServer server = GetServer(context.ServerId!);
        if (server.Capabilities?.Resources?.Subscribe != true)
        {
            throw new McpProtocolException($"Server '{server.Id}' does not support resource subscriptions.", (McpErrorCode)GatewayErrorCodes.FeatureNotSupported);
        }

        if (!session.AddSubscription(uri))
        {
            return;
        }

        bool first;
        lock (_subscriptionLock)
        {
            _subscriptions.TryGetValue((server.Id, uri), out int count);
            _subscriptions[(server.Id, uri)] = count + 1;
            first = count == 0;
        }

        if (first)
        {
            try
            {
                await server.InvokeAsync("resources/subscribe", uri, static async (c, u, ct) => { await c.SubscribeToResourceAsync(u, cancellationToken: ct); return true; }, cancellationToken);
            }
            catch
            {
                session.RemoveSubscription(uri);
                Release(server.Id, uri);
                throw;
            }
        }
    }

    public async ValueTask UnsubscribeAsync(OperationContext context, ClientSession session, string uri, CancellationToken cancellationToken)
    {
        if (!session.RemoveSubscription(uri) || !Release(context.ServerId!, uri))
        {
            return;
        }

        if (_servers.TryGetServer(context.ServerId!, out DownstreamServer server))
        {
            await server.InvokeAsync("resources/unsubscribe", uri, static async (c, u, ct) => { await c.UnsubscribeFromResourceAsync(u, cancellationToken: ct); return true; }, cancellationToken);
        }
    }

    /// <summary>Sends the most verbose level any session wants to every server that logs.</summary>
    public async ValueTask SetLoggingLevelAsync(LoggingLevel level, CancellationToken cancellationToken)
    {
        foreach (DownstreamServer server in _servers.Servers)
        {
            if (server.Capabilities?.Logging is null || server.Health.State != ServerState.Connected)
            {
                continue;
            }

            try
            {
                await server.InvokeAsync("logging/setLevel", level, static async (c, l, ct) => { await c.SetLoggingLevelAsync(l, cancellationToken: ct); return true; }, cancellationToken);
            }
            catch (McpException ex)
            {
                LogSetLevelFailed(_logger, server.Id, ex.Message);
            }
        }
    }

    private async ValueTask<TResult> ForwardAsync<TParams, TResult>(
        OperationContext context,
        McpServer? requestServer,
        ProgressToken? clientProgressToken,
        TParams downstreamRequest,
        string method,
        CancellationToken cancellationToken)
        where TParams : RequestParams
    {
        DownstreamServer server = GetServer(context.ServerId!);
        using DownstreamServer.CallRegistration registration = server.Track(requestServer is null
            ? new InFlightCall(null, null, context.CorrelationId)
            : new InFlightCall(context.Session, requestServer, context.CorrelationId));

        ProgressSink? progress = clientProgressToken is { } token && requestServer is not null
            ? OpenProgress(server, token, requestServer, context, downstreamRequest)
            : null;

        try
        {
            return await server.ForwardAsync<TParams, TResult>(method, downstreamRequest, cancellationToken);
        }
        finally
        {
            if (progress is not null)
            {
                // Every progress notification the server sent before its result is forwarded before the result.
                await progress.DisposeAsync();
            }
        }
    }

    /// <summary>Relays the call's progress to the client: the downstream request carries a gateway-issued token instead of the client's.</summary>
    private ProgressSink OpenProgress(DownstreamServer server, ProgressToken clientToken, McpServer requestServer, OperationContext context, RequestParams downstreamRequest)
    {
        ProgressSink progress = server.Progress.Open(clientToken, requestServer, _pipeline, context);
        downstreamRequest.Meta ??= [];
        downstreamRequest.Meta["progressToken"] = progress.DownstreamTokenText;
        return progress;
    }

    private async ValueTask<CallToolResult> StartSuspendableToolCallAsync(
        OperationContext context, CallToolRequestParams request, CallToolRequestParams downstream, McpServer requestServer, CancellationToken cancellationToken)
    {
        DownstreamServer server = GetServer(context.ServerId!);
        var call = new SuspendedCall(SuspendedCallStore.NewId(), context.TargetName!, context.UserId, new ClientInputExchange());
        if (request.ProgressToken is { } token)
        {
            call.Progress = OpenProgress(server, token, requestServer, context, downstream);
        }

        var inFlight = new InFlightCall(context.Session!, requestServer, context.CorrelationId) { Exchange = call.Exchange };
        call.Downstream = RunDownstreamAsync(server, inFlight, downstream, call);
        return await AwaitOrSuspendAsync(call, server, requestServer, cancellationToken);
    }

    private static async Task<CallToolResult> RunDownstreamAsync(DownstreamServer server, InFlightCall inFlight, CallToolRequestParams downstream, SuspendedCall call)
    {
        using DownstreamServer.CallRegistration registration = server.Track(inFlight);
        return await server.ForwardAsync<CallToolRequestParams, CallToolResult>(RequestMethods.ToolsCall, downstream, call.Lifetime);
    }

    private async ValueTask<CallToolResult> ResumeToolCallAsync(
        OperationContext context, CallToolRequestParams request, string requestState, McpServer requestServer, CancellationToken cancellationToken)
    {
        SuspendedCall call = _suspended.TryTake(requestState, context.UserId, context.TargetName!)
            ?? throw new McpProtocolException(
                "The requestState of this tools/call is unknown or expired (the gateway keeps a suspended call for the server's timeout). Call the tool again without requestState and inputResponses.",
                McpErrorCode.InvalidParams);
        call.StopExpiry();
        if (request.InputResponses is { Count: > 0 } responses)
        {
            foreach (string key in responses.Keys)
            {
                call.Unanswered.Remove(key);
            }

            call.Exchange.Deliver(responses);
        }

        if (call.Progress is not null)
        {
            await call.Progress.RetargetAsync(requestServer);
        }

        return await AwaitOrSuspendAsync(call, GetServer(context.ServerId!), requestServer, cancellationToken);
    }

    /// <summary>
    /// Waits for the downstream result, or for the downstream to ask for client input; in the second case the call is
    /// parked and the client gets an input-required result whose requestState names it.
    /// </summary>
    private async ValueTask<CallToolResult> AwaitOrSuspendAsync(SuspendedCall call, DownstreamServer server, McpServer requestServer, CancellationToken cancellationToken)
    {
        Task<CallToolResult> downstream = call.Downstream!;
        try
        {
            while (call.Unanswered.Count == 0)
            {
                Task<bool> inputRequested = call.Exchange.Requests.WaitToReadAsync(call.Lifetime).AsTask();
                Task first = await Task.WhenAny(downstream, inputRequested).WaitAsync(cancellationToken);
                if (first == downstream)
                {
                    break;
                }

                while (call.Exchange.Requests.TryRead(out PendingClientInput? pending))
                {
                    call.Unanswered[pending.Key] = pending.Request;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.Cancel(new OperationCanceledException("The client cancelled the call."));
            await FinishAsync(call);
            throw;
        }

        if (downstream.IsCompleted)
        {
            await FinishAsync(call);
            return await downstream;
        }

        if (call.Progress is not null)
        {
            await call.Progress.RetargetAsync(requestServer);
        }

        _suspended.Park(call);
        call.StartExpiry(_timeProvider, server.CallTimeout, expired =>
        {
            if (_suspended.Remove(expired))
            {
                expired.Cancel(new TimeoutException("The client did not answer the input requests in time."));
                _ = FinishAsync(expired);
            }
        });
        throw new InputRequiredException(new Dictionary<string, InputRequest>(call.Unanswered, StringComparer.Ordinal), call.Id);
    }

    private static async Task FinishAsync(SuspendedCall call)
    {
        try
        {
            await ((Task)call.Downstream!).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            if (call.Progress is not null)
            {
                await call.Progress.DisposeAsync();
            }

            call.Dispose();
        }
    }

    private DownstreamServer GetServer(string serverId) =>
        _servers.TryGetServer(serverId, out DownstreamServer server)
            ? server
            : throw new McpProtocolException($"Server '{serverId}' was removed. Call tools/list for what is available now.", (McpErrorCode)GatewayErrorCodes.ServerUnavailable);

    /// <summary>Copies the client's <c>_meta</c> minus what belongs to the client's own connection (progress token, per-request protocol fields).</summary>
    private static JsonObject? ForwardedMeta(JsonObject? meta)
    {
        if (meta is null || meta.Count == 0)
        {
            return null;
        }

        JsonObject? copy = null;
        foreach ((string key, JsonNode? value) in meta)
        {
            if (key == "progressToken" || key.StartsWith("io.modelcontextprotocol/", StringComparison.Ordinal))
            {
                continue;
            }

            copy ??= [];
            copy[key] = value?.DeepClone();
        }

        return copy;
    }

    private bool Release(string serverId, string uri)
    {
        lock (_subscriptionLock)
        {
            if (!_subscriptions.TryGetValue((serverId, uri), out int count))
            {
                return false;
            }

            if (count <= 1)
            {
                _subscriptions.Remove((serverId, uri));
                return true;
            }

            _subscriptions[(serverId, uri)] = count - 1;
            return false;
        }
    }

    private void OnSessionEnded(ClientSession session)
    {
        foreach (string uri in session.Subscriptions.ToArray())
        {
            if (_catalogue.Current.FindResourceServer(uri) is { } serverId)
            {
                var context = new OperationContext(OperationCategory.ResourceSubscription, "resources/unsubscribe") { ServerId = serverId };
                _ = UnsubscribeQuietlyAsync(context, session, uri);
            }
        }
    }

    private async Task UnsubscribeQuietlyAsync(OperationContext context, ClientSession session, string uri)
    {
        try
        {
            await UnsubscribeAsync(context, session, uri, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogSetLevelFailed(_logger, context.ServerId ?? "?", "unsubscribe after session end failed: " + ex.Message);
        }
    }

    [LoggerMessage(EventId = 1600, EventName = "ForwardFailed", Level = LogLevel.Debug, Message = "Server {ServerId}: {Message}")]
    private static partial void LogSetLevelFailed(ILogger logger, string serverId, string message);
}
