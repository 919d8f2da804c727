using System.Text.Json;
using McpFoundation.Pipeline;
using McpFoundation.Routing;
using McpFoundation.Sessions;
using McpFoundation.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Front;

/// <summary>
/// Fills the SDK's <see cref="McpServerOptions"/> with the gateway's handlers, for the stdio and the HTTP front alike.
/// Every request, lists included, becomes an <see cref="OperationContext"/>, is resolved (the route is then fixed),
/// passes the pipeline, and only then reaches the catalogue or a server; state (a session's subscriptions, its logging
/// level) changes only in the pipeline's terminal step, so a denied request changes nothing.
/// </summary>
internal sealed class GatewayServerOptions
{
    private readonly ToolRegistry _tools;
    private readonly CatalogueStore _catalogue;
    private readonly OperationPipeline _pipeline;
    private readonly OperationRouter _router;
    private readonly ResourceSubscriptions _subscriptions;
    private readonly LoggingLevels _logging;
    private readonly SessionRegistry _sessions;

    public GatewayServerOptions(
        ToolRegistry tools,
        CatalogueStore catalogue,
        OperationPipeline pipeline,
        OperationRouter router,
        ResourceSubscriptions subscriptions,
        LoggingLevels logging,
        SessionRegistry sessions)
    {
        _tools = tools;
        _catalogue = catalogue;
        _pipeline = pipeline;
        _router = router;
        _subscriptions = subscriptions;
        _logging = logging;
        _sessions = sessions;
    }

    public void Configure(McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = "mcpfoundation", Title = "McpFoundation gateway", Version = GatewayVersion.Current };
        options.ServerInstructions = "McpFoundation gateway: every tool, resource and prompt of the configured MCP servers, each call checked on the way.";
        options.Capabilities = new ServerCapabilities
        {
            // Custom list handlers do not advertise listChanged by themselves; the gateway sends these notifications.
            Tools = new ToolsCapability { ListChanged = true },
            Resources = new ResourcesCapability { ListChanged = true, Subscribe = true },
            Prompts = new PromptsCapability { ListChanged = true },
            Logging = new LoggingCapability(),
            Completions = new CompletionsCapability(),
        };

        McpServerHandlers handlers = options.Handlers;
        handlers.ListToolsHandler = (request, ct) => ListAsync(request, RequestMethods.ToolsList, static c => new ListToolsResult { Tools = [.. c.Tools] }, ct);
        handlers.ListResourcesHandler = (request, ct) => ListAsync(request, RequestMethods.ResourcesList, static c => new ListResourcesResult { Resources = [.. c.Resources] }, ct);
        handlers.ListResourceTemplatesHandler = (request, ct) => ListAsync(request, RequestMethods.ResourcesTemplatesList, static c => new ListResourceTemplatesResult { ResourceTemplates = [.. c.ResourceTemplates] }, ct);
        handlers.ListPromptsHandler = (request, ct) => ListAsync(request, RequestMethods.PromptsList, static c => new ListPromptsResult { Prompts = [.. c.Prompts] }, ct);
        handlers.CallToolHandler = CallToolAsync;
        handlers.ReadResourceHandler = ReadResourceAsync;
        handlers.GetPromptHandler = GetPromptAsync;
        handlers.CompleteHandler = CompleteAsync;
        handlers.SubscribeToResourcesHandler = SubscribeAsync;
        handlers.UnsubscribeFromResourcesHandler = UnsubscribeAsync;
        handlers.SetLoggingLevelHandler = SetLoggingLevelAsync;
    }

    /// <summary>A list request: the catalogue snapshot's list, through the pipeline, where a filter may trim it for the caller.</summary>
    private async ValueTask<TResult> ListAsync<TParams, TResult>(RequestContext<TParams> request, string method, Func<GatewayCatalogue, TResult> list, CancellationToken cancellationToken)
        where TParams : RequestParams
    {
        OperationContext context = CreateContext(request, OperationCategory.Discovery, method, request.Params?.Meta);
        context.Resolve(method, null, null, null);
        return Unwrap(context, await _pipeline.ExecuteAsync(
            context,
            (Catalogue: _catalogue, List: list),
            static (_, s, _) => ValueTask.FromResult(s.List(s.Catalogue.Current)),
            cancellationToken));
    }

    private ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        CallToolRequestParams parameters = Checked(request.Params, "tools/call");
        OperationContext context = CreateContext(request, OperationCategory.ToolExecution, RequestMethods.ToolsCall, parameters.Meta);
        return _tools.CallToolAsync(context, parameters, request.Server, cancellationToken);
    }

    private ValueTask<ReadResourceResult> ReadResourceAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken)
    {
        ReadResourceRequestParams parameters = Checked(request.Params, "resources/read");
        OperationContext context = CreateContext(request, OperationCategory.ResourceRead, RequestMethods.ResourcesRead, parameters.Meta);
        McpProtocolException? unresolved = _router.ResolveResource(context, parameters.Uri);
        return RouteAsync(context, parameters, request.Server, unresolved, static (router, ctx, p, server, ct) => router.ReadResourceAsync(ctx, p, server, ct), cancellationToken);
    }

    private ValueTask<GetPromptResult> GetPromptAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        GetPromptRequestParams parameters = Checked(request.Params, "prompts/get");
        OperationContext context = CreateContext(request, OperationCategory.PromptGet, RequestMethods.PromptsGet, parameters.Meta);
        McpProtocolException? unresolved = _router.ResolvePrompt(context, parameters.Name);
        context.SetClientArguments(parameters.Arguments is null ? null : parameters.Arguments as IReadOnlyDictionary<string, JsonElement> ?? new Dictionary<string, JsonElement>(parameters.Arguments, StringComparer.Ordinal));
        return RouteAsync(context, parameters, request.Server, unresolved, static (router, ctx, p, server, ct) => router.GetPromptAsync(ctx, p, server, ct), cancellationToken);
    }

    private ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        CompleteRequestParams parameters = Checked(request.Params, "completion/complete");
        OperationContext context = CreateContext(request, OperationCategory.Completion, RequestMethods.CompletionComplete, parameters.Meta);
        McpProtocolException? unresolved = _router.ResolveCompletion(context, parameters.Ref);
        context.SetClientArguments(CompletionArguments.Of(parameters));
        return RouteAsync(
            context,
            parameters,
            request.Server,
            unresolved,
            static (router, ctx, p, server, ct) => router.SupportsCompletion(ctx.ServerId!) ? router.CompleteAsync(ctx, p, server, ct) : ValueTask.FromResult(new CompleteResult()),
            cancellationToken);
    }

    private async ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        SubscribeRequestParams parameters = Checked(request.Params, "resources/subscribe");
        OperationContext context = CreateContext(request, OperationCategory.ResourceSubscription, RequestMethods.ResourcesSubscribe, parameters.Meta);
        McpProtocolException? unresolved = _router.ResolveResource(context, parameters.Uri);
        Unwrap(context, await _pipeline.ExecuteAsync(
            context,
            (Subscriptions: _subscriptions, Unresolved: unresolved, parameters.Uri),
            static async (ctx, s, ct) =>
            {
                if (s.Unresolved is { } error)
                {
                    throw error;
                }

                await s.Subscriptions.SubscribeAsync(ctx, ctx.Session!, s.Uri, ct);
                return true;
            },
            cancellationToken));
        return new EmptyResult();
    }

    private async ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        UnsubscribeRequestParams parameters = Checked(request.Params, "resources/unsubscribe");
        OperationContext context = CreateContext(request, OperationCategory.ResourceSubscription, RequestMethods.ResourcesUnsubscribe, parameters.Meta);
        _router.ResolveResource(context, parameters.Uri);
        Unwrap(context, await _pipeline.ExecuteAsync(
            context,
            (Subscriptions: _subscriptions, parameters.Uri),
            static async (ctx, s, ct) =>
            {
                // Unsubscribing from something no server offers (any more) is a no-op, as before.
                if (ctx.ServerId is { } serverId)
                {
                    await s.Subscriptions.UnsubscribeAsync(serverId, ctx.Session!, s.Uri, ct);
                }

                return true;
            },
            cancellationToken));
        return new EmptyResult();
    }

    private async ValueTask<EmptyResult> SetLoggingLevelAsync(RequestContext<SetLevelRequestParams> request, CancellationToken cancellationToken)
    {
        SetLevelRequestParams parameters = Checked(request.Params, "logging/setLevel");
        OperationContext context = CreateContext(request, OperationCategory.LoggingLevel, RequestMethods.LoggingSetLevel, parameters.Meta);
        context.Resolve(parameters.Level.ToString(), null, null, null);
        Unwrap(context, await _pipeline.ExecuteAsync(
            context,
            (Logging: _logging, parameters.Level),
            static async (ctx, s, ct) => { await s.Logging.SetAsync(ctx, ctx.Session!, s.Level, ct); return true; },
            cancellationToken));
        return new EmptyResult();
    }

    private OperationContext CreateContext<TParams>(RequestContext<TParams> request, OperationCategory category, string method, System.Text.Json.Nodes.JsonObject? meta)
    {
        ClientSession session = _sessions.Resolve(request.Server, request.User, arrivedOverHttp: request.JsonRpcRequest.Context?.RelatedTransport is not null);
        session.TouchSdkActivity();
        return new OperationContext(category, method) { Session = session, User = session.User, Meta = meta };
    }

    /// <summary>Runs a resolved request through the pipeline to <paramref name="route"/>; a name that resolved to nothing fails there with its error.</summary>
    private async ValueTask<TResult> RouteAsync<TParams, TResult>(
        OperationContext context,
        TParams parameters,
        McpServer server,
        McpProtocolException? unresolved,
        Func<OperationRouter, OperationContext, TParams, McpServer, CancellationToken, ValueTask<TResult>> route,
        CancellationToken cancellationToken) =>
        Unwrap(context, await _pipeline.ExecuteAsync(
            context,
            (Router: _router, Request: parameters, Server: server, Route: route, Unresolved: unresolved),
            static (ctx, s, ct) => s.Unresolved is { } error ? throw error : s.Route(s.Router, ctx, s.Request, s.Server, ct),
            cancellationToken));

    private static T Unwrap<T>(OperationContext context, PipelineResult<T> result) =>
        result.IsAllowed ? result.Value! : throw GatewayErrors.Refusal(result.Decision, context.CorrelationId);

    /// <summary>
    /// The request's params, when they have what the handler needs; else the -32602 error that says what is missing.
    /// The fronts refuse such requests before the SDK reads them (<see cref="Frames.RequestParamsCheck"/>); this is the
    /// same check for any other way in (found by the fuzzer: <c>"name": null</c>, <c>"argument": null</c> reached the
    /// lookups and failed there with -32603).
    /// </summary>
    private static T Checked<T>(T? parameters, string method)
        where T : RequestParams =>
        parameters is null ? throw MissingParams(method)
        : Frames.RequestParamsCheck.MissingMember(parameters) is { } missing ? throw new McpProtocolException($"Invalid params: {method} needs {missing}.", McpErrorCode.InvalidParams)
        : parameters;

    private static McpProtocolException MissingParams(string method) =>
        new($"{method} needs params; see the MCP specification for its fields.", McpErrorCode.InvalidParams);
}
