using McpFoundation.Pipeline;
using McpFoundation.Routing;
using McpFoundation.Sessions;
using McpFoundation.Tools;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Front;

/// <summary>
/// Fills the SDK's <see cref="McpServerOptions"/> with the gateway's handlers, for the stdio and the HTTP front alike:
/// lists come from the catalogue snapshot; every request is resolved, passes the pipeline, then is routed.
/// </summary>
internal sealed class GatewayServerOptions
{
    private readonly ToolRegistry _tools;
    private readonly CatalogueStore _catalogue;
    private readonly OperationPipeline _pipeline;
    private readonly OperationRouter _router;
    private readonly SessionRegistry _sessions;

    public GatewayServerOptions(ToolRegistry tools, CatalogueStore catalogue, OperationPipeline pipeline, OperationRouter router, SessionRegistry sessions)
    {
        _tools = tools;
        _catalogue = catalogue;
        _pipeline = pipeline;
        _router = router;
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
        handlers.ListToolsHandler = (request, ct) => ValueTask.FromResult(new ListToolsResult { Tools = [.. _catalogue.Current.Tools] });
        handlers.ListResourcesHandler = (request, ct) => ValueTask.FromResult(new ListResourcesResult { Resources = [.. _catalogue.Current.Resources] });
        handlers.ListResourceTemplatesHandler = (request, ct) => ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = [.. _catalogue.Current.ResourceTemplates] });
        handlers.ListPromptsHandler = (request, ct) => ValueTask.FromResult(new ListPromptsResult { Prompts = [.. _catalogue.Current.Prompts] });
        handlers.CallToolHandler = CallToolAsync;
        handlers.ReadResourceHandler = ReadResourceAsync;
        handlers.GetPromptHandler = GetPromptAsync;
        handlers.CompleteHandler = CompleteAsync;
        handlers.SubscribeToResourcesHandler = SubscribeAsync;
        handlers.UnsubscribeFromResourcesHandler = UnsubscribeAsync;
        handlers.SetLoggingLevelHandler = SetLoggingLevelAsync;
    }

    private ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        CallToolRequestParams parameters = request.Params ?? throw MissingParams("tools/call");
        OperationContext context = CreateContext(request, OperationCategory.ToolExecution, RequestMethods.ToolsCall);
        return _tools.CallToolAsync(context, parameters, request.Server, cancellationToken);
    }

    private async ValueTask<ReadResourceResult> ReadResourceAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken)
    {
        ReadResourceRequestParams parameters = request.Params ?? throw MissingParams("resources/read");
        OperationContext context = CreateContext(request, OperationCategory.ResourceRead, RequestMethods.ResourcesRead);
        if (_router.ResolveResource(context, parameters.Uri) is { } unknown)
        {
            throw new McpProtocolException(unknown, (McpErrorCode)GatewayErrorCodes.ResourceNotFound);
        }

        return await RouteAsync(context, parameters, request.Server, static (router, ctx, p, server, ct) => router.ReadResourceAsync(ctx, p, server, ct), cancellationToken);
    }

    private async ValueTask<GetPromptResult> GetPromptAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        GetPromptRequestParams parameters = request.Params ?? throw MissingParams("prompts/get");
        OperationContext context = CreateContext(request, OperationCategory.PromptGet, RequestMethods.PromptsGet);
        if (_router.ResolvePrompt(context, parameters.Name) is { } unknown)
        {
            throw new McpProtocolException(unknown, McpErrorCode.InvalidParams);
        }

        return await RouteAsync(context, parameters, request.Server, static (router, ctx, p, server, ct) => router.GetPromptAsync(ctx, p, server, ct), cancellationToken);
    }

    private async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        CompleteRequestParams parameters = request.Params ?? throw MissingParams("completion/complete");
        OperationContext context = CreateContext(request, OperationCategory.Completion, RequestMethods.CompletionComplete);
        if (_router.ResolveCompletion(context, parameters.Ref) is { } unknown)
        {
            throw new McpProtocolException(unknown, McpErrorCode.InvalidParams);
        }

        if (!_router.SupportsCompletion(context.ServerId!))
        {
            return new CompleteResult();
        }

        return await RouteAsync(context, parameters, request.Server, static (router, ctx, p, server, ct) => router.CompleteAsync(ctx, p, server, ct), cancellationToken);
    }

    private async ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        SubscribeRequestParams parameters = request.Params ?? throw MissingParams("resources/subscribe");
        OperationContext context = CreateContext(request, OperationCategory.ResourceSubscription, RequestMethods.ResourcesSubscribe);
        if (_router.ResolveResource(context, parameters.Uri) is { } unknown)
        {
            throw new McpProtocolException(unknown, (McpErrorCode)GatewayErrorCodes.ResourceNotFound);
        }

        ClientSession session = context.Session!;
        Unwrap(await _pipeline.ExecuteAsync(
            context,
            (Router: _router, Session: session, parameters.Uri),
            static async (ctx, s, ct) => { await s.Router.SubscribeAsync(ctx, s.Session, s.Uri, ct); return true; },
            cancellationToken));
        return new EmptyResult();
    }

    private async ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        UnsubscribeRequestParams parameters = request.Params ?? throw MissingParams("resources/unsubscribe");
        OperationContext context = CreateContext(request, OperationCategory.ResourceSubscription, RequestMethods.ResourcesUnsubscribe);
        if (_router.ResolveResource(context, parameters.Uri) is not null)
        {
            return new EmptyResult();
        }

        ClientSession session = context.Session!;
        Unwrap(await _pipeline.ExecuteAsync(
            context,
            (Router: _router, Session: session, parameters.Uri),
            static async (ctx, s, ct) => { await s.Router.UnsubscribeAsync(ctx, s.Session, s.Uri, ct); return true; },
            cancellationToken));
        return new EmptyResult();
    }

    private async ValueTask<EmptyResult> SetLoggingLevelAsync(RequestContext<SetLevelRequestParams> request, CancellationToken cancellationToken)
    {
        SetLevelRequestParams parameters = request.Params ?? throw MissingParams("logging/setLevel");
        OperationContext context = CreateContext(request, OperationCategory.LoggingLevel, RequestMethods.LoggingSetLevel);
        context.TargetName = parameters.Level.ToString();
        context.Session!.LoggingLevel = parameters.Level;
        LoggingLevel mostVerbose = _sessions.Sessions.Select(s => s.LoggingLevel ?? parameters.Level).Append(parameters.Level).Min();
        Unwrap(await _pipeline.ExecuteAsync(
            context,
            (Router: _router, Level: mostVerbose),
            static async (ctx, s, ct) => { await s.Router.SetLoggingLevelAsync(s.Level, ct); return true; },
            cancellationToken));
        return new EmptyResult();
    }

    private OperationContext CreateContext<TParams>(RequestContext<TParams> request, OperationCategory category, string method)
    {
        ClientSession session = _sessions.Resolve(request.Server, request.User, arrivedOverHttp: request.JsonRpcRequest.Context?.RelatedTransport is not null);
        session.TouchSdkActivity();
        return new OperationContext(category, method) { Session = session, UserId = session.UserId ?? SessionRegistry.UserIdOf(request.User) };
    }

    /// <summary>Runs a resolved request through the pipeline to <paramref name="route"/>; a denial becomes the filter's JSON-RPC error.</summary>
    private async ValueTask<TResult> RouteAsync<TParams, TResult>(
        OperationContext context,
        TParams parameters,
        McpServer server,
        Func<OperationRouter, OperationContext, TParams, McpServer, CancellationToken, ValueTask<TResult>> route,
        CancellationToken cancellationToken) =>
        Unwrap(await _pipeline.ExecuteAsync(
            context,
            (Router: _router, Request: parameters, Server: server, Route: route),
            static (ctx, s, ct) => s.Route(s.Router, ctx, s.Request, s.Server, ct),
            cancellationToken));

    private static T Unwrap<T>(PipelineResult<T> result) =>
        result.IsAllowed ? result.Value! : throw new McpProtocolException(result.Decision.Reason ?? "Denied.", (McpErrorCode)result.Decision.Code);

    private static McpProtocolException MissingParams(string method) =>
        new($"{method} needs params; see the MCP specification for its fields.", McpErrorCode.InvalidParams);
}
