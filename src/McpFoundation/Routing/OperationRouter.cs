using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using McpFoundation.Telemetry;
using McpFoundation.Tools;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Routing;

/// <summary>
/// The two ends of the pipeline for requests that go to one server: before it, resolves what a client named to a
/// server and its definition (the route is then fixed); after it, forwards the request on that server's connection
/// with the arguments the filters saw, relaying its progress and keeping track of the call for server-to-client
/// requests. Suspended calls, subscriptions and the logging level live in their own classes.
/// </summary>
internal sealed partial class OperationRouter
{
    private readonly ServerManager _servers;
    private readonly CatalogueStore _catalogue;
    private readonly OperationPipeline _pipeline;
    private readonly ILogger _logger;

    public OperationRouter(ServerManager servers, CatalogueStore catalogue, OperationPipeline pipeline, ILogger<OperationRouter>? logger = null)
    {
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _servers = servers;
        _catalogue = catalogue;
        _pipeline = pipeline;
    }

    /// <summary>
    /// Resolves a tool name into the context. Returns the error the call must end with when it names no available tool
    /// (the operation still passes the pipeline, unresolved, so filters and audit see the attempt).
    /// </summary>
    public McpProtocolException? ResolveTool(OperationContext context, string exposedName)
    {
        GatewayCatalogue catalogue = _catalogue.Current;
        if (catalogue.TryGetTool(exposedName, out NamedRoute route))
        {
            context.Resolve(exposedName, route.ServerId, route.DownstreamName, Target(route.ServerId) with { Tool = route.Tool });
            return null;
        }

        if (UnavailableServerOf(exposedName) is ({ } server, { } downstreamName))
        {
            // server__tool of a configured server that is not connected: its tools are gone from the catalogue, so the
            // caller must hear "server unavailable" (naming it) rather than "unknown tool".
            context.Resolve(exposedName, server.Id, downstreamName, Target(server.Id));
            return server.Unavailable();
        }

        context.Resolve(exposedName, null, null, null);
        IReadOnlyList<string> suggestions = ToolNameSuggestions.For(exposedName, catalogue.ToolNames);
        return new McpProtocolException(
            suggestions.Count > 0
                ? $"Unknown tool '{exposedName}'. {ToolNameSuggestions.Sentence(suggestions)} Call tools/list for the tools available now."
                : $"Unknown tool '{exposedName}'. Call tools/list for the tools available now (names are '<server>{ToolNaming.Separator}<tool>' when namespacing is \"prefix\").",
            McpErrorCode.InvalidParams);
    }

    public McpProtocolException? ResolvePrompt(OperationContext context, string exposedName)
    {
        if (_catalogue.Current.TryGetPrompt(exposedName, out NamedRoute route))
        {
            context.Resolve(exposedName, route.ServerId, route.DownstreamName, Target(route.ServerId) with { Prompt = route.Prompt });
            return null;
        }

        context.Resolve(exposedName, null, null, null);
        return new McpProtocolException($"Unknown prompt '{exposedName}'. Call prompts/list for the prompts available now.", McpErrorCode.InvalidParams);
    }

    public McpProtocolException? ResolveResource(OperationContext context, string uri)
    {
        GatewayCatalogue catalogue = _catalogue.Current;
        ResourceOwner owner = catalogue.ResolveResource(uri);
        if (owner.ServerId is { } serverId)
        {
            Resource? resource = catalogue.FindResource(uri);
            context.Resolve(uri, serverId, uri, Target(serverId) with { Resource = resource, ResourceTemplate = resource is null ? catalogue.FindTemplate(uri, serverId) : null });
            return null;
        }

        context.Resolve(uri, null, null, null);
        return new McpProtocolException(
            owner.Problem ?? $"Resource '{uri}' is not offered by any connected server. Call resources/list or resources/templates/list for what is available.",
            (McpErrorCode)GatewayErrorCodes.ResourceNotFound);
    }

    public McpProtocolException? ResolveCompletion(OperationContext context, Reference reference)
    {
        switch (reference)
        {
            case PromptReference prompt:
                return ResolvePrompt(context, prompt.Name);
            case ResourceTemplateReference { Uri: { } uri }:
                GatewayCatalogue catalogue = _catalogue.Current;
                ResourceOwner owner = catalogue.ResolveTemplate(uri);
                if (owner.ServerId is { } serverId)
                {
                    context.Resolve(uri, serverId, uri, Target(serverId) with { ResourceTemplate = catalogue.FindTemplate(uri, serverId), Resource = catalogue.FindResource(uri) });
                    return null;
                }

                context.Resolve(uri, null, null, null);
                return new McpProtocolException(owner.Problem ?? $"No connected server offers the resource template '{uri}'.", McpErrorCode.InvalidParams);
            default:
                context.Resolve(null, null, null, null);
                return new McpProtocolException("completion/complete needs a ref of type 'ref/prompt' or 'ref/resource' with a name or uri.", McpErrorCode.InvalidParams);
        }
    }

    public bool SupportsCompletion(string serverId) =>
        _servers.TryGetServer(serverId, out DownstreamServer server) && server.Capabilities?.Completions is not null;

    /// <summary>Forwards a tool call with the arguments the filters saw.</summary>
    public ValueTask<CallToolResult> CallToolAsync(OperationContext context, CallToolRequestParams request, McpServer? requestServer, CancellationToken cancellationToken) =>
        ForwardAsync<CallToolRequestParams, CallToolResult>(context, requestServer, request.ProgressToken, DownstreamToolCall(context, request), RequestMethods.ToolsCall, cancellationToken);

    /// <summary>The tool call the server receives: its own tool name, the arguments the filters saw, the client's <c>_meta</c> minus connection fields.</summary>
    public static CallToolRequestParams DownstreamToolCall(OperationContext context, CallToolRequestParams request) => new()
    {
        Name = context.DownstreamName!,
        Arguments = ForwardedArguments(context, request.Arguments),
        Meta = ForwardedMeta(request.Meta),
    };

    public ValueTask<ReadResourceResult> ReadResourceAsync(OperationContext context, ReadResourceRequestParams request, McpServer? requestServer, CancellationToken cancellationToken) =>
        ForwardAsync<ReadResourceRequestParams, ReadResourceResult>(
            context,
            requestServer,
            request.ProgressToken,
            new ReadResourceRequestParams { Uri = context.DownstreamName!, Meta = ForwardedMeta(request.Meta) },
            RequestMethods.ResourcesRead,
            cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(OperationContext context, GetPromptRequestParams request, McpServer? requestServer, CancellationToken cancellationToken) =>
        ForwardAsync<GetPromptRequestParams, GetPromptResult>(
            context,
            requestServer,
            request.ProgressToken,
            new GetPromptRequestParams { Name = context.DownstreamName!, Arguments = ForwardedArguments(context, request.Arguments), Meta = ForwardedMeta(request.Meta) },
            RequestMethods.PromptsGet,
            cancellationToken);

    public ValueTask<CompleteResult> CompleteAsync(OperationContext context, CompleteRequestParams request, McpServer? requestServer, CancellationToken cancellationToken)
    {
        Reference reference = request.Ref is PromptReference prompt
            ? new PromptReference { Name = context.DownstreamName!, Title = prompt.Title }
            : request.Ref;
        (Argument argument, CompleteContext? completeContext) = CompletionArguments.Forwarded(context, request);
        return ForwardAsync<CompleteRequestParams, CompleteResult>(
            context,
            requestServer,
            request.ProgressToken,
            new CompleteRequestParams { Ref = reference, Argument = argument, Context = completeContext, Meta = ForwardedMeta(request.Meta) },
            RequestMethods.CompletionComplete,
            cancellationToken);
    }

    public DownstreamServer GetServer(string serverId) =>
        _servers.TryGetServer(serverId, out DownstreamServer server)
            ? server
            : throw new McpProtocolException($"Server '{serverId}' was removed. Call tools/list for what is available now.", (McpErrorCode)GatewayErrorCodes.ServerUnavailable);

    /// <summary>Relays the call's progress to the client: the downstream request carries a gateway-issued token instead of the client's.</summary>
    public ProgressSink OpenProgress(DownstreamServer server, ProgressToken clientToken, McpServer requestServer, OperationContext context, RequestParams downstreamRequest)
    {
        ProgressSink progress = server.Progress.Open(clientToken, requestServer, _pipeline, context);
        downstreamRequest.Meta ??= [];
        downstreamRequest.Meta["progressToken"] = progress.DownstreamTokenText;
        return progress;
    }

    /// <summary>The arguments to forward: the client's own when no filter replaced them (no copy), else the filters' version.</summary>
    private static IDictionary<string, JsonElement>? ForwardedArguments(OperationContext context, IDictionary<string, JsonElement>? clientArguments) =>
        context.ArgumentsReplacedBy is null
            ? clientArguments
            : context.Arguments is null ? null : new Dictionary<string, JsonElement>(context.Arguments, StringComparer.Ordinal);

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
            ? new InFlightCall(null, null, context.CorrelationId) { Context = context }
            : new InFlightCall(context.Session, requestServer, context.CorrelationId) { Context = context });

        ProgressSink? progress = clientProgressToken is { } token && requestServer is not null
            ? OpenProgress(server, token, requestServer, context, downstreamRequest)
            : null;

        // The server sees the correlation id (and, when traced, the W3C trace context, as the MCP conventions propagate it).
        using Activity? span = GatewayTelemetry.ActivitySource.HasListeners() ? OperationSpans.StartDownstream(context, method) : null;
        JsonObject meta = StampCorrelationId(context, downstreamRequest);
        LogForwarding(_logger, method, context.DownstreamName, server.Id, context.CorrelationId);
        if (span is not null)
        {
            meta["traceparent"] = span.Id;
            if (span.TraceStateString is { Length: > 0 } traceState)
            {
                meta["tracestate"] = traceState;
            }
        }

        try
        {
            TResult result = await server.ForwardAsync<TParams, TResult>(method, downstreamRequest, cancellationToken);
            OperationSpans.Succeeded(span, result);
            return result;
        }
        catch (Exception ex) when (span is not null)
        {
            OperationSpans.Failed(span, ex);
            throw;
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

    /// <summary>Puts the operation's correlation id into the downstream request's <c>_meta</c> (replacing any the client sent under that key).</summary>
    public static JsonObject StampCorrelationId(OperationContext context, RequestParams downstreamRequest)
    {
        JsonObject meta = downstreamRequest.Meta ??= [];
        meta[GatewayTelemetry.CorrelationIdMetaKey] = context.CorrelationId;
        return meta;
    }

    /// <summary>Copies the client's <c>_meta</c> minus what belongs to the client's own connection (progress token, per-request protocol fields).</summary>
    public static JsonObject? ForwardedMeta(JsonObject? meta)
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

    private OperationTarget Target(string serverId) => new() { ServerId = serverId, Server = _servers.GetDefinition(serverId) };

    private (DownstreamServer? Server, string? DownstreamName) UnavailableServerOf(string exposedName)
    {
        int separator = exposedName.IndexOf(ToolNaming.Separator, StringComparison.Ordinal);
        if (_catalogue.Namespacing != Configuration.ToolNamespacing.Prefix
            || separator <= 0
            || !_servers.TryGetServer(exposedName[..separator], out DownstreamServer server)
            || server.Health.State == ServerState.Connected)
        {
            return default;
        }

        return (server, exposedName[(separator + ToolNaming.Separator.Length)..]);
    }

    [LoggerMessage(EventId = 3102, EventName = "Forwarding", Level = LogLevel.Debug, Message = "Forwarding {Method} {Target} to server {ServerId} (correlation {CorrelationId})")]
    private static partial void LogForwarding(ILogger logger, string method, string? target, string serverId, string correlationId);
}
