using System.Text.Json;
using McpFoundation.Pipeline;
using McpFoundation.Routing;
using McpFoundation.Servers;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Tools;

/// <summary>
/// The seed's Tool Registry: the catalogue of tools across all servers, kept current by discovery and
/// <c>list_changed</c> notifications, and the one place tool calls are executed through the pipeline.
/// </summary>
public sealed partial class ToolRegistry
{
    private readonly CatalogueStore _catalogue;
    private readonly OperationPipeline _pipeline;
    private readonly OperationRouter _router;
    private readonly SuspendedToolCalls _suspended;
    private readonly GatewayEvents _events;
    private readonly ILogger _logger;
    private readonly ToolStatisticsTracker _statistics = new();

    internal ToolRegistry(CatalogueStore catalogue, OperationPipeline pipeline, OperationRouter router, SuspendedToolCalls suspended, GatewayEvents events, ILogger<ToolRegistry> logger)
    {
        _catalogue = catalogue;
        _pipeline = pipeline;
        _router = router;
        _suspended = suspended;
        _events = events;
        _logger = logger;
        _pipeline.Completed += OnOperationCompleted;
    }

    /// <summary>
    /// Raised once when a tool call ends, however it ends (the seed's <c>tool_executed</c> event); a call suspended for
    /// client input raises it when the downstream call really ends. Raised on the gateway's event worker, never on a
    /// request thread: a slow subscriber delays other events, not calls.
    /// </summary>
    public event EventHandler<ToolExecutedEventArgs>? ToolExecuted;

    internal CatalogueStore Catalogue => _catalogue;

    /// <summary>Lists the tools the gateway exposes now, across every connected server.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tools, in configuration order of their servers.</returns>
    public ValueTask<IReadOnlyList<ToolInfo>> ListAvailableToolsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<ToolInfo> tools =
        [
            .. _catalogue.Current.ToolDetails.Select(static d => InfoOf(d.Tool, d.ServerId, d.DownstreamName)),
        ];
        return ValueTask.FromResult(tools);
    }

    /// <summary>
    /// Lists the tools as <paramref name="user"/> sees them: a <c>tools/list</c> through the pipeline, trimmed by the
    /// policy exactly as the fronts trim it (<c>mcpf tools list --user</c>).
    /// </summary>
    /// <param name="user">The caller.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The tools the caller may attempt, in catalogue order.</returns>
    /// <exception cref="McpProtocolException">A filter refused the listing.</exception>
    public async ValueTask<IReadOnlyList<ToolInfo>> ListAvailableToolsAsync(System.Security.Claims.ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var context = new OperationContext(OperationCategory.Discovery, RequestMethods.ToolsList) { User = user };
        context.Resolve(RequestMethods.ToolsList, null, null, null);
        GatewayCatalogue catalogue = _catalogue.Current;
        PipelineResult<ListToolsResult> outcome = await _pipeline.ExecuteAsync(
            context,
            catalogue,
            static (_, c, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. c.Tools] }),
            cancellationToken);
        if (!outcome.IsAllowed)
        {
            throw GatewayErrors.Refusal(outcome.Decision, context.CorrelationId);
        }

        var visible = outcome.Value!.Tools.Select(static t => t.Name).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. catalogue.ToolDetails.Where(d => visible.Contains(d.Tool.Name)).Select(static d => InfoOf(d.Tool, d.ServerId, d.DownstreamName)),
        ];
    }

    private static ToolInfo InfoOf(Tool tool, string serverId, string downstreamName) =>
        new(tool.Name, serverId, downstreamName, tool.Title, tool.Description, tool.InputSchema, tool.Annotations);

    /// <summary>
    /// Builds the context a call of <paramref name="toolName"/> would have, resolved exactly as the fronts resolve it
    /// (tool definition, server, profile), without running anything: to ask
    /// <c>McpSecurityIntegration.ValidateOperationAsync</c> what the gateway would decide (<c>mcpf policy test</c>).
    /// </summary>
    /// <param name="toolName">The exposed tool name.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="user">The caller; an anonymous principal when null.</param>
    /// <returns>The context; <see cref="OperationContext.IsResolved"/> is false when the name names no available tool.</returns>
    public OperationContext CreateToolCallContext(string toolName, IReadOnlyDictionary<string, JsonElement>? arguments, System.Security.Claims.ClaimsPrincipal? user = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(toolName);
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall) { User = user ?? new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity()) };
        _router.ResolveTool(context, toolName);
        context.SetClientArguments(arguments);
        return context;
    }

    /// <summary>Executes a tool through the gateway's pipeline, on behalf of a user (the seed's <c>execute_tool</c>).</summary>
    /// <param name="toolName">The exposed tool name, as <see cref="ListAvailableToolsAsync(CancellationToken)"/> lists it.</param>
    /// <param name="arguments">The tool's arguments.</param>
    /// <param name="userId">The user on whose behalf the call is made.</param>
    /// <param name="cancellationToken">Cancels the call; the server is told.</param>
    /// <returns>The result, or the error as a value.</returns>
    public async ValueTask<ToolCallOutcome> ExecuteToolAsync(
        string toolName,
        IReadOnlyDictionary<string, JsonElement>? arguments = null,
        string? userId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(toolName);
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall)
        {
            User = Sessions.SessionRegistry.PrincipalOf(userId, "library"),
        };
        var request = new CallToolRequestParams { Name = toolName, Arguments = arguments is null ? null : new Dictionary<string, JsonElement>(arguments) };
        try
        {
            ToolCallAttempt attempt = await TryCallToolAsync(context, request, requestServer: null, cancellationToken);
            return attempt.Error is { } refused
                ? new ToolCallOutcome { ErrorCode = (int)refused.ErrorCode, ErrorMessage = refused.Message, CorrelationId = context.CorrelationId, ServerId = context.ServerId }
                : new ToolCallOutcome { Result = attempt.Result, CorrelationId = context.CorrelationId, ServerId = context.ServerId };
        }
        catch (McpProtocolException ex)
        {
            return new ToolCallOutcome { ErrorCode = (int)ex.ErrorCode, ErrorMessage = ex.Message, CorrelationId = context.CorrelationId, ServerId = context.ServerId };
        }
    }

    /// <summary>
    /// The tool-call path shared by the library API and both fronts: resolve, filter, route, report. A name that resolves
    /// to nothing still passes the pipeline (unresolved), so filters and audit see the attempt. A retry of a suspended
    /// call (<c>requestState</c>) is not a new operation: it carries the suspended one on.
    /// </summary>
    internal ValueTask<CallToolResult> CallToolAsync(OperationContext context, CallToolRequestParams request, McpServer? requestServer, CancellationToken cancellationToken)
    {
        ValueTask<ToolCallAttempt> attempt = TryCallToolAsync(context, request, requestServer, cancellationToken);
        return attempt.IsCompletedSuccessfully ? new ValueTask<CallToolResult>(attempt.Result.ResultOrThrow()) : AwaitResultAsync(attempt);

        static async ValueTask<CallToolResult> AwaitResultAsync(ValueTask<ToolCallAttempt> attempt) => (await attempt.ConfigureAwait(false)).ResultOrThrow();
    }

    /// <summary>
    /// <see cref="CallToolAsync"/> without the throw for a refusal: a call the filters refused (or the gateway cancelled)
    /// comes back as its error, so that a flood of refused calls, or an emergency stop answering a thousand calls, costs
    /// no exception on the fast path and the library API. A retry of a suspended call carries it on, and its refusals are
    /// thrown, as the suspended call's own path does.
    /// </summary>
    internal ValueTask<ToolCallAttempt> TryCallToolAsync(OperationContext context, CallToolRequestParams request, McpServer? requestServer, CancellationToken cancellationToken)
    {
        if (request.RequestState is not null && requestServer is not null)
        {
            if (!Security.Approval.ApprovalStateToken.IsApprovalState(request.RequestState))
            {
                return ResumeAsync(context, request, requestServer, cancellationToken);
            }

            // A retry of an input request the gateway's own filters made (an approval): a new call, whose filters
            // find their state and the client's answers on the context.
            context.SetClientInput(request.RequestState, request.InputResponses);
        }

        context.RequestServer = requestServer;
        McpProtocolException? unresolved = _router.ResolveTool(context, request.Name);
        context.SetClientArguments(request.Arguments is null ? null : request.Arguments as IReadOnlyDictionary<string, JsonElement> ?? new Dictionary<string, JsonElement>(request.Arguments, StringComparer.Ordinal));
        if (unresolved is not null && !context.IsResolved)
        {
            LogUnknownTool(_logger, request.Name, context.CorrelationId);
        }

        return RouteAsync(context, request, requestServer, unresolved, cancellationToken);
    }

    /// <summary>A retry of a suspended call carries it on (its refusals are thrown, as the suspended call's path does).</summary>
    private async ValueTask<ToolCallAttempt> ResumeAsync(OperationContext context, CallToolRequestParams request, McpServer requestServer, CancellationToken cancellationToken) =>
        new(await _suspended.ResumeAsync(context, request, requestServer, cancellationToken).ConfigureAwait(false), null);

    private async ValueTask<ToolCallAttempt> RouteAsync(OperationContext context, CallToolRequestParams request, McpServer? requestServer, McpProtocolException? unresolved, CancellationToken cancellationToken)
    {
        PipelineResult<CallToolResult> outcome = await _pipeline.ExecuteAsync(
            context,
            (Registry: this, Request: request, RequestServer: requestServer, Unresolved: unresolved),
            static (ctx, state, ct) =>
            {
                if (state.Unresolved is { } error)
                {
                    throw error;
                }

                return state.RequestServer is { IsMrtrSupported: true } && ctx.Session is { IsPersistent: false }
                    // A stateless (2026-07-28) client cannot receive server-to-client requests: they travel as MRTR input requests.
                    ? state.Registry._suspended.StartAsync(ctx, state.Request, state.RequestServer, ct)
                    : state.Registry._router.CallToolAsync(ctx, state.Request, state.RequestServer, ct);
            },
            cancellationToken);

        return outcome.IsAllowed ? new ToolCallAttempt(outcome.Value!, null)
            : outcome.Decision.InputRequired is { } input ? throw new InputRequiredException(input)
            : new ToolCallAttempt(null, GatewayErrors.Refusal(outcome.Decision, context.CorrelationId));
    }

    /// <summary>
    /// Gets what the gateway has seen of each tool since it started: calls, errors (failed, denied or <c>isError</c>)
    /// and latency percentiles of the most recent calls; tools never called are not listed.
    /// </summary>
    /// <returns>One entry per tool called, by name.</returns>
    public IReadOnlyList<ToolStatistics> GetToolStatistics() => _statistics.Snapshot();

    private void OnOperationCompleted(OperationContext context, OperationOutcome outcome)
    {
        if (context.Category != OperationCategory.ToolExecution)
        {
            return;
        }

        bool succeeded = outcome.Succeeded && outcome.Result is CallToolResult { IsError: not true };
        if (context.IsResolved && context.TargetName is { } tool)
        {
            _statistics.Record(tool, context.ServerId, !succeeded, outcome.Duration);
        }

        if (ToolExecuted is null)
        {
            return;
        }

        var args = new ToolExecutedEventArgs(context.TargetName ?? "?", context.ServerId, context.UserId, succeeded, outcome.ErrorCode, outcome.Duration, context.CorrelationId);
        _events.Post((Registry: this, Args: args), static s => s.Registry.ToolExecuted?.Invoke(s.Registry, s.Args));
    }

    [LoggerMessage(EventId = 1700, EventName = "UnknownTool", Level = LogLevel.Information, Message = "Refused call to unknown tool {ToolName} (correlation {CorrelationId})")]
    private static partial void LogUnknownTool(ILogger logger, string toolName, string correlationId);
}

/// <summary>A tool call's result, or the refusal it got (an error not thrown).</summary>
/// <param name="Result">The result, when the call was allowed.</param>
/// <param name="Error">The refusal, when it was not.</param>
internal readonly record struct ToolCallAttempt(CallToolResult? Result, McpProtocolException? Error)
{
    /// <summary>The result, or the refusal thrown (for the SDK's handlers, which answer an exception with its error).</summary>
    public CallToolResult ResultOrThrow() => Error is { } error ? throw error : Result!;
}
