using System.Diagnostics;
using System.Text.Json;
using McpFoundation.Pipeline;
using McpFoundation.Routing;
using McpFoundation.Servers;
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
    private readonly ILogger _logger;

    internal ToolRegistry(CatalogueStore catalogue, OperationPipeline pipeline, OperationRouter router, ILogger<ToolRegistry> logger)
    {
        _catalogue = catalogue;
        _pipeline = pipeline;
        _router = router;
        _logger = logger;
    }

    /// <summary>Raised when a tool call completes (the seed's <c>tool_executed</c> event).</summary>
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
            .. _catalogue.Current.ToolDetails.Select(static d => new ToolInfo(
                d.Tool.Name, d.ServerId, d.DownstreamName, d.Tool.Title, d.Tool.Description, d.Tool.InputSchema, d.Tool.Annotations)),
        ];
        return ValueTask.FromResult(tools);
    }

    /// <summary>Executes a tool through the gateway's pipeline, on behalf of a user (the seed's <c>execute_tool</c>).</summary>
    /// <param name="toolName">The exposed tool name, as <see cref="ListAvailableToolsAsync"/> lists it.</param>
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
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall) { UserId = userId };
        var request = new CallToolRequestParams { Name = toolName, Arguments = arguments is null ? null : new Dictionary<string, JsonElement>(arguments) };
        try
        {
            CallToolResult result = await CallToolAsync(context, request, requestServer: null, cancellationToken);
            return new ToolCallOutcome { Result = result, CorrelationId = context.CorrelationId, ServerId = context.ServerId };
        }
        catch (McpProtocolException ex)
        {
            return new ToolCallOutcome { ErrorCode = (int)ex.ErrorCode, ErrorMessage = ex.Message, CorrelationId = context.CorrelationId, ServerId = context.ServerId };
        }
    }

    /// <summary>The tool-call path shared by the library API and the MCP front: resolve, filter, route, report.</summary>
    internal async ValueTask<CallToolResult> CallToolAsync(OperationContext context, CallToolRequestParams request, McpServer? requestServer, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        int? errorCode = null;
        bool succeeded = false;
        try
        {
            if (_router.ResolveTool(context, request.Name) is { } unknown)
            {
                if (_router.UnavailableServerOf(context, request.Name) is { } unavailable)
                {
                    throw unavailable;
                }

                LogUnknownTool(_logger, request.Name, context.CorrelationId);
                throw new McpProtocolException(unknown, McpErrorCode.InvalidParams);
            }

            context.Arguments = request.Arguments is null ? null : (IReadOnlyDictionary<string, JsonElement>)request.Arguments;
            PipelineResult<CallToolResult> outcome = await _pipeline.ExecuteAsync(
                context,
                (Router: _router, Request: request, RequestServer: requestServer),
                static (ctx, state, ct) => state.Router.CallToolAsync(ctx, state.Request, state.RequestServer, ct),
                cancellationToken);

            if (!outcome.IsAllowed)
            {
                throw new McpProtocolException(outcome.Decision.Reason ?? "Denied.", (McpErrorCode)outcome.Decision.Code);
            }

            succeeded = outcome.Value!.IsError != true;
            return outcome.Value;
        }
        catch (McpProtocolException ex)
        {
            errorCode = (int)ex.ErrorCode;
            throw;
        }
        finally
        {
            ToolExecuted?.Invoke(this, new ToolExecutedEventArgs(
                request.Name, context.ServerId, context.UserId, succeeded, errorCode, Stopwatch.GetElapsedTime(started), context.CorrelationId));
        }
    }

    [LoggerMessage(EventId = 1700, EventName = "UnknownTool", Level = LogLevel.Information, Message = "Refused call to unknown tool {ToolName} (correlation {CorrelationId})")]
    private static partial void LogUnknownTool(ILogger logger, string toolName, string correlationId);
}
