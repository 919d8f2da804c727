using System.Diagnostics;
using McpFoundation.Sessions;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace McpFoundation.Pipeline;

/// <summary>
/// The gateway's one interception seam: every client request and every server-to-client request passes the ordered
/// filters here before it is routed, and every filter that allowed it is told how it ended.
/// </summary>
internal sealed partial class OperationPipeline
{
    private readonly IOperationFilter[] _filters;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;

    public OperationPipeline(IEnumerable<IOperationFilter> filters, GatewayMetrics metrics, ILogger<OperationPipeline> logger)
    {
        _filters = [.. filters];
        _metrics = metrics;
        _logger = logger;
    }

    public IReadOnlyList<IOperationFilter> Filters => _filters;

    /// <summary>
    /// Asks the filters whether a message that needs no answer (a server notification on its way to a client) may pass.
    /// Nothing is routed and no completion is reported; with no filters this completes synchronously.
    /// </summary>
    public ValueTask<SecurityDecision> CheckAsync(OperationContext context, CancellationToken cancellationToken = default) =>
        _filters.Length == 0 ? ValueTask.FromResult(SecurityDecision.Allow) : CheckSlowAsync(context, cancellationToken);

    /// <summary>
    /// Asks the filters whether a server notification may reach one client session. Its context is built only when a
    /// filter is there to read it; with no filters this completes synchronously.
    /// </summary>
    public ValueTask<bool> AllowsServerNotificationAsync(
        string method, string? serverId, string? targetName, ClientSession? session, string? userId, string? correlationId, CancellationToken cancellationToken = default)
    {
        if (_filters.Length == 0)
        {
            return ValueTask.FromResult(true);
        }

        var context = new OperationContext(OperationCategory.ServerNotification, method)
        {
            CorrelationId = correlationId ?? CorrelationIds.Next(),
            ServerId = serverId,
            TargetName = targetName,
            Session = session,
            UserId = userId,
        };
        return AllowsAsync(context, cancellationToken);
    }

    private async ValueTask<bool> AllowsAsync(OperationContext context, CancellationToken cancellationToken) =>
        (await CheckSlowAsync(context, cancellationToken)).IsAllowed;

    private async ValueTask<SecurityDecision> CheckSlowAsync(OperationContext context, CancellationToken cancellationToken)
    {
        foreach (IOperationFilter filter in _filters)
        {
            SecurityDecision decision = await DecideAsync(filter, context, cancellationToken);
            if (!decision.IsAllowed)
            {
                LogDenied(_logger, context.Method, context.TargetName, decision.DeniedBy, decision.Code, decision.Reason, context.CorrelationId);
                _metrics.RecordOperation(context, TimeSpan.Zero, "denied");
                return decision;
            }
        }

        return SecurityDecision.Allow;
    }

    /// <summary>Runs the filters, then <paramref name="terminal"/> (the router) if all of them allowed the operation.</summary>
    public async ValueTask<PipelineResult<TResult>> ExecuteAsync<TState, TResult>(
        OperationContext context,
        TState state,
        Func<OperationContext, TState, CancellationToken, ValueTask<TResult>> terminal,
        CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        using Activity? activity = GatewayTelemetry.ActivitySource.StartActivity(context.Method, ActivityKind.Internal);
        activity?.SetTag("mcp.method.name", context.Method);
        activity?.SetTag("mcpfoundation.correlation_id", context.CorrelationId);

        int allowedCount = 0;
        for (; allowedCount < _filters.Length; allowedCount++)
        {
            SecurityDecision decision = await DecideAsync(_filters[allowedCount], context, cancellationToken);
            if (!decision.IsAllowed)
            {
                LogDenied(_logger, context.Method, context.TargetName, decision.DeniedBy, decision.Code, decision.Reason, context.CorrelationId);
                await NotifyCompletedAsync(context, allowedCount, new OperationOutcome(false, decision.Code, decision.Reason, Stopwatch.GetElapsedTime(started)));
                _metrics.RecordOperation(context, Stopwatch.GetElapsedTime(started), "denied");
                activity?.SetStatus(ActivityStatusCode.Error, "denied");
                return PipelineResult<TResult>.Denied(decision);
            }
        }

        try
        {
            TResult result = await terminal(context, state, cancellationToken);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            if (allowedCount > 0)
            {
                await NotifyCompletedAsync(context, allowedCount, new OperationOutcome(true, null, null, elapsed));
            }

            _metrics.RecordOperation(context, elapsed, "ok");
            return PipelineResult<TResult>.FromValue(result);
        }
        catch (Exception ex)
        {
            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            int code = ex switch
            {
                McpProtocolException protocolException => (int)protocolException.ErrorCode,
                OperationCanceledException => GatewayErrorCodes.InternalError,
                _ => GatewayErrorCodes.InternalError,
            };
            if (allowedCount > 0)
            {
                await NotifyCompletedAsync(context, allowedCount, new OperationOutcome(false, code, ex.Message, elapsed));
            }

            _metrics.RecordOperation(context, elapsed, ex is OperationCanceledException ? "cancelled" : "error");
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    private async ValueTask<SecurityDecision> DecideAsync(IOperationFilter filter, OperationContext context, CancellationToken cancellationToken)
    {
        try
        {
            SecurityDecision decision = await filter.OnRequestAsync(context, cancellationToken);
            return decision.IsAllowed || decision.DeniedBy is not null
                ? decision
                : SecurityDecision.Deny(decision.Code, decision.Reason ?? "Denied.", filter.Name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogFilterFailed(_logger, filter.Name, context.Method, context.CorrelationId, ex);
            return SecurityDecision.Deny(
                GatewayErrorCodes.FilterFailed,
                $"The security check '{filter.Name}' failed, so the request was refused (fail closed). Correlation id {context.CorrelationId}; see the gateway log.",
                filter.Name);
        }
    }

    private async ValueTask NotifyCompletedAsync(OperationContext context, int filterCount, OperationOutcome outcome)
    {
        for (int i = filterCount - 1; i >= 0; i--)
        {
            try
            {
                await _filters[i].OnCompletedAsync(context, outcome, CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogFilterFailed(_logger, _filters[i].Name, context.Method, context.CorrelationId, ex);
            }
        }
    }

    [LoggerMessage(EventId = 1100, EventName = "OperationDenied", Level = LogLevel.Warning,
        Message = "Denied {Method} {Target} by {Filter}: {Code} {Reason} (correlation {CorrelationId})")]
    private static partial void LogDenied(ILogger logger, string method, string? target, string? filter, int code, string? reason, string correlationId);

    [LoggerMessage(EventId = 1101, EventName = "FilterFailed", Level = LogLevel.Error,
        Message = "Filter {Filter} failed on {Method} (correlation {CorrelationId}); failing closed")]
    private static partial void LogFilterFailed(ILogger logger, string filter, string method, string correlationId, Exception exception);
}
