using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Servers;
using McpFoundation.Telemetry;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;

namespace McpFoundation.Pipeline;

/// <summary>
/// The gateway's one interception seam: every client request (lists included), every server-to-client request and
/// every notification on its way to a client passes the ordered filters here before it is routed or sent, and every
/// filter that allowed it is told its one outcome, whatever happens after (a later filter denies, throws or is
/// cancelled, the router fails, the call is suspended and finished by a later request, or it is cancelled).
/// </summary>
internal sealed partial class OperationPipeline
{
    private readonly IOperationFilter[] _filters;
    private readonly int _firstBlockingFilter; // index of the first filter that does not promise non-blocking completions; Length if none
    private readonly OperationRegistry _registry;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ILogger _securityLogger;
    private readonly string[] _filterSpanNames;

    public OperationPipeline(IEnumerable<IOperationFilter> filters, OperationRegistry registry, GatewayMetrics metrics, TimeProvider timeProvider, ILogger<OperationPipeline> logger, ILoggerFactory? loggerFactory = null)
    {
        _filters = [.. filters];
        _filterSpanNames = [.. _filters.Select(static f => "filter " + f.Name)];
        _securityLogger = loggerFactory?.CreateLogger(GatewayTelemetry.SecurityCategory) ?? logger;
        _firstBlockingFilter = Array.FindIndex(_filters, static f => f is not INonBlockingFilter) is var i and >= 0 ? i : _filters.Length;
        _registry = registry;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Raised (synchronously, after the filters) with each operation's one outcome; handlers must not block.</summary>
    internal event Action<OperationContext, OperationOutcome>? Completed;

    public IReadOnlyList<IOperationFilter> Filters => _filters;

    public bool HasFilters => _filters.Length > 0;

    public OperationRegistry Registry => _registry;

    /// <summary>
    /// Runs the filters, then <paramref name="terminal"/> (the router) if all of them allowed the operation, and reports
    /// its outcome to every filter that allowed it. A terminal that suspends the operation (see
    /// <see cref="Defer"/>) leaves the report to whoever finishes it, through <see cref="CompleteAsync{T}"/>.
    /// </summary>
    public async ValueTask<PipelineResult<TResult>> ExecuteAsync<TState, TResult>(
        OperationContext context,
        TState state,
        Func<OperationContext, TState, CancellationToken, ValueTask<TResult>> terminal,
        CancellationToken cancellationToken = default)
    {
        // Both cost one branch when nobody listens (no ActivityListener, logging off for McpFoundation).
        using Activity? activity = GatewayTelemetry.ActivitySource.HasListeners() ? OperationSpans.Start(context) : null;
        using IDisposable? scope = _logger.IsEnabled(LogLevel.Critical) ? OperationScope(_logger, context.CorrelationId) : null;

        InFlightOperation operation = Begin(context, cancellationToken);
        try
        {
            for (; operation.AllowedCount < _filters.Length; operation.AllowedCount++)
            {
                SecurityDecision decision = activity is null
                    ? await DecideAsync(_filters[operation.AllowedCount], context, operation.Token)
                    : await DecideTracedAsync(operation.AllowedCount, context, operation.Token);
                if (decision.IsInputRequired)
                {
                    if (context.Category == OperationCategory.ToolExecution && context.Era == ProtocolEra.Stateless)
                    {
                        LogInputRequired(_logger, context.Method, context.TargetName, decision.DeniedBy, context.CorrelationId);
                        await CompleteAsync<object?>(context, new OperationOutcome(false, null, decision.Reason, Elapsed(operation)) { DeniedBy = decision.DeniedBy, InputRequired = true }, null);
                        return PipelineResult<TResult>.Denied(decision);
                    }

                    // Only a stateless client's tools/call can carry an input-required answer: anything else fails closed.
                    decision = SecurityDecision.Deny(
                        GatewayErrorCodes.FilterFailed,
                        $"The security check '{decision.DeniedBy}' asked the client for input, which only a stateless (2026-07-28) client's tools/call can answer, so the request was refused (fail closed). Correlation id {context.CorrelationId}.",
                        decision.DeniedBy);
                }

                if (!decision.IsAllowed)
                {
                    LogDenied(_securityLogger, context.Method, context.TargetName, decision.DeniedBy, decision.Code, decision.Reason, context.CorrelationId);
                    OperationSpans.Denied(activity, decision);
                    await CompleteAsync<object?>(context, Denied(operation, decision), null);
                    return PipelineResult<TResult>.Denied(decision);
                }
            }

            context.EnterRouting();
#pragma warning disable CA2012 // Consumed once: read at once when complete, else through the one continuation the race registers on it.
            ValueTask<TResult> running = terminal(context, state, operation.Token);
#pragma warning restore CA2012
            if (!running.IsCompleted && !await operation.WhenTerminalFinishedOrCancelled(running))
            {
                // The gateway cancelled it (an emergency stop) while the terminal runs: the caller is answered now, and
                // the terminal unwinds on its own once the token is cancelled (no exception on this path but the answer's).
                operation.Abandon(running);
                OperationSpans.Failed(activity, "cancelled", operation.CancelCode, "cancelled by the gateway");
                await CompleteAsync<object?>(context, new OperationOutcome(false, operation.CancelCode, operation.CancelReason, Elapsed(operation)) { Cancelled = true }, null);

                // Answered as a refusal value, not thrown: a stop answers every call in flight at once.
                return PipelineResult<TResult>.Denied(SecurityDecision.Deny(operation.CancelCode, operation.CancelReason!));
            }
            else
            {
                TResult result = running.GetAwaiter().GetResult();
                if (operation.IsDeferred)
                {
                    return PipelineResult<TResult>.FromValue(result);
                }

                // A result that arrived after the gateway cancelled the operation (an emergency stop) never reaches the client.
                if (operation.CancelReason is not null)
                {
                    throw new OperationCanceledException(operation.Token);
                }

                result = await CompleteAsync(context, new OperationOutcome(true, null, null, Elapsed(operation)) { Result = result }, result);
                OperationSpans.Succeeded(activity, result);
                return PipelineResult<TResult>.FromValue(result);
            }
        }
        catch (OperationCanceledException) when (!operation.IsDeferred && operation.CancelReason is { } reason && !cancellationToken.IsCancellationRequested)
        {
            // The gateway cancelled it (not the caller): the caller hears why, with a code of its own.
            OperationSpans.Failed(activity, "cancelled", operation.CancelCode, "cancelled by the gateway");
            await CompleteAsync<object?>(context, new OperationOutcome(false, operation.CancelCode, reason, Elapsed(operation)) { Cancelled = true }, null);
            return PipelineResult<TResult>.Denied(SecurityDecision.Deny(operation.CancelCode, reason));
        }
        catch (Exception ex) when (!operation.IsDeferred)
        {
            OperationSpans.Failed(activity, ex);
            await CompleteAsync<object?>(context, Failed(operation, ex, cancellationToken), null);
            throw;
        }
        finally
        {
            operation.ReleaseCaller();
        }
    }

    /// <summary>
    /// Offers a message that needs no answer (a notification on its way to a client) to the filters, and sends it with
    /// <paramref name="send"/> if they allow it, as one operation with one outcome. The context is built only when a
    /// filter is there to read it; with no filters this sends at once. Returns whether the message was sent.
    /// </summary>
    public ValueTask<bool> ForwardNotificationAsync<TState>(
        in NotificationRoute route,
        JsonNode? parameters,
        TState state,
        Func<TState, JsonNode?, CancellationToken, Task> send,
        CancellationToken cancellationToken = default)
    {
        if (_filters.Length == 0)
        {
            Task sending = send(state, parameters, cancellationToken);
            return sending.IsCompletedSuccessfully ? ValueTask.FromResult(true) : AwaitSentAsync(sending);
        }

        var context = new OperationContext(OperationCategory.ServerNotification, route.Method)
        {
            CorrelationId = route.Parent?.CorrelationId ?? CorrelationIds.Next(),
            Parent = route.Parent,
            Session = route.Session,
            User = route.Session?.User ?? route.Parent?.User!,
            Arguments = ArgumentsOf(parameters),
        };
        context.Resolve(route.TargetName, route.ServerId, route.TargetName, null);
        return ForwardCheckedAsync(context, parameters, state, send, cancellationToken);
    }

    private static async ValueTask<bool> AwaitSentAsync(Task sending)
    {
        await sending;
        return true;
    }

    private async ValueTask<bool> ForwardCheckedAsync<TState>(OperationContext context, JsonNode? parameters, TState state, Func<TState, JsonNode?, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        PipelineResult<bool> result = await ExecuteAsync(
            context,
            (State: state, Send: send, Parameters: parameters),
            static async (ctx, s, ct) =>
            {
                JsonNode? forwarded = ctx.ArgumentsReplacedBy is null ? s.Parameters : ParametersOf(ctx.Arguments);
                await s.Send(s.State, forwarded, ct);
                return true;
            },
            cancellationToken);
        return result.IsAllowed;
    }

    /// <summary>
    /// Marks the operation as suspended: the request that carries it ends without an outcome, and whoever finishes the
    /// operation later reports it with <see cref="CompleteAsync{T}"/>. Call from the terminal.
    /// </summary>
    public static void Defer(OperationContext context) =>
        (context.Completion ?? throw new InvalidOperationException("Only an operation running in the pipeline can be suspended.")).Defer();

    /// <summary>A later request carries a suspended operation on: its token cancels the operation while it waits.</summary>
    public static void Resume(OperationContext context, CancellationToken callerToken) => context.Completion?.Resume(callerToken);

    /// <summary>Gets a value indicating whether the operation was suspended by the request that started it (its outcome is reported later).</summary>
    public static bool IsDeferred(OperationContext context) => context.Completion?.IsDeferred == true;

    /// <summary>Gets why the gateway cancelled the operation, if it did.</summary>
    public static string? CancelReasonOf(OperationContext context) => context.Completion?.CancelReason;

    /// <summary>Gets the token of an operation in the pipeline (cancelled by its caller, a time limit or the gateway).</summary>
    public static CancellationToken TokenOf(OperationContext context) => context.Completion?.Token ?? CancellationToken.None;

    /// <summary>
    /// Reports the operation's one outcome to every filter that allowed it, in reverse order, then to the gateway's own
    /// observers, and removes it from the operations in flight. A second report of the same operation does nothing.
    /// Returns the result the client receives (a filter may have replaced it).
    /// </summary>
    public async ValueTask<T> CompleteAsync<T>(OperationContext context, OperationOutcome outcome, T result)
    {
        InFlightOperation? operation = context.Completion;
        if (operation is null || !operation.TryBeginCompletion())
        {
            return result;
        }

        try
        {
            if (operation.AllowedCount > 0)
            {
                if (operation.AllowedCount > _firstBlockingFilter && !Thread.CurrentThread.IsThreadPoolThread)
                {
                    // Off the gateway's own threads: the thread that reads a child's stdout (an answer read there
                    // continues there) and, with inline I/O, a socket thread (an answer that arrived before its request
                    // awaited it continues on the request's thread). A filter that blocks on either would stall every
                    // call of that server or every connection of that socket thread; on the pool it stalls its own
                    // call. Filters that promise non-blocking completions (INonBlockingFilter) skip the hop.
                    await Task.Yield();
                }

                context.ResultSlot = outcome.Succeeded ? result : null;
                for (int i = operation.AllowedCount - 1; i >= 0; i--)
                {
                    try
                    {
                        await _filters[i].OnCompletedAsync(context, outcome with { Result = context.ResultSlot }, CancellationToken.None);
                    }
                    catch (Exception ex)
                    {
                        LogCompletionFailed(_logger, _filters[i].Name, context.Method, context.CorrelationId, ex);
                    }
                }

                if (context.ReplacedResult is T replaced)
                {
                    result = replaced;
                }

                context.ResultSlot = null;
            }

            _metrics.RecordOperation(context, outcome.Duration, OutcomeName(outcome));
            try
            {
                Completed?.Invoke(context, outcome with { Result = outcome.Succeeded ? result : null });
            }
            catch (Exception ex)
            {
                LogCompletionFailed(_logger, "observer", context.Method, context.CorrelationId, ex);
            }

            return result;
        }
        finally
        {
            operation.Dispose();
        }
    }

    /// <summary>The outcome of an operation that ended with <paramref name="exception"/>.</summary>
    public static OperationOutcome Failed(OperationContext context, Exception exception, CancellationToken callerToken = default) =>
        context.Completion is { } operation ? Failed(operation, exception, callerToken) : new OperationOutcome(false, GatewayErrorCodes.InternalError, exception.Message, TimeSpan.Zero);

    /// <summary>The outcome of an operation that succeeded with <paramref name="result"/>.</summary>
    public static OperationOutcome Succeeded(OperationContext context, object? result) =>
        new(true, null, null, context.Completion is { } operation ? Elapsed(operation) : TimeSpan.Zero) { Result = result };

    private InFlightOperation Begin(OperationContext context, CancellationToken cancellationToken)
    {
        if (context.Completion is not null)
        {
            throw new InvalidOperationException($"The operation {context.CorrelationId} is already in the pipeline.");
        }

        context.EnterFilters(_timeProvider.GetUtcNow());
        InFlightOperation operation = _registry.Register(context);
        context.Completion = operation;
        operation.BindCaller(cancellationToken);
        return operation;
    }

    private static OperationOutcome Denied(InFlightOperation operation, SecurityDecision decision) =>
        new(false, decision.Code, decision.Reason, Elapsed(operation)) { DeniedBy = decision.DeniedBy, Rule = decision.Rule };

    private static OperationOutcome Failed(InFlightOperation operation, Exception exception, CancellationToken callerToken)
    {
        bool cancelled = exception is OperationCanceledException;
        int code = exception switch
        {
            McpProtocolException protocolException => (int)protocolException.ErrorCode,
            OperationCanceledException when operation.CancelReason is not null => operation.CancelCode,
            _ => GatewayErrorCodes.InternalError,
        };
        string message = cancelled
            ? (operation.CancelReason ?? (callerToken.IsCancellationRequested ? "The client cancelled the request." : "The operation was cancelled."))
            : exception.Message;
        return new OperationOutcome(false, code, message, Elapsed(operation)) { Cancelled = cancelled };
    }

    private static TimeSpan Elapsed(InFlightOperation operation) => Stopwatch.GetElapsedTime(operation.StartedTimestamp);

    private static string OutcomeName(OperationOutcome outcome) =>
        outcome.Succeeded ? "ok" : outcome.InputRequired ? "input_required" : outcome.DeniedBy is not null ? "denied" : outcome.Cancelled ? "cancelled" : "error";

    /// <summary>A filter's decision as a child span of the operation's: the filter, its decision, the deciding rule.</summary>
    private async ValueTask<SecurityDecision> DecideTracedAsync(int index, OperationContext context, CancellationToken cancellationToken)
    {
        using Activity? span = GatewayTelemetry.ActivitySource.StartActivity(_filterSpanNames[index], ActivityKind.Internal);
        SecurityDecision decision = await DecideAsync(_filters[index], context, cancellationToken);
        OperationSpans.Decided(span, _filters[index].Name, decision);
        return decision;
    }

    private async ValueTask<SecurityDecision> DecideAsync(IOperationFilter filter, OperationContext context, CancellationToken cancellationToken)
    {
        try
        {
            SecurityDecision decision = await filter.OnRequestAsync(context, cancellationToken);
            return decision.IsAllowed || decision.DeniedBy is not null
                ? decision
                : decision.IsInputRequired || decision.Reason is not null
                    ? decision.By(filter.Name)
                    : SecurityDecision.Deny(decision.Code, "Denied.", filter.Name, decision.Rule, decision.Hint, decision.Argument);
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

    /// <summary>The top-level properties of a JSON object, as the arguments filters see.</summary>
    internal static IReadOnlyDictionary<string, JsonElement>? ArgumentsOf(JsonNode? parameters)
    {
        if (parameters is not JsonObject properties)
        {
            return null;
        }

        var arguments = new Dictionary<string, JsonElement>(properties.Count, StringComparer.Ordinal);
        foreach ((string name, JsonNode? value) in properties)
        {
            arguments[name] = value is null ? default : JsonSerializer.SerializeToElement(value, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
        }

        return arguments;
    }

    /// <summary>The JSON object a filter's arguments stand for.</summary>
    internal static JsonObject? ParametersOf(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        var parameters = new JsonObject();
        foreach ((string name, JsonElement value) in arguments)
        {
            parameters[name] = value.ValueKind == JsonValueKind.Undefined ? null : JsonNode.Parse(value.GetRawText());
        }

        return parameters;
    }

    private static readonly Func<ILogger, string, IDisposable?> OperationScope = LoggerMessage.DefineScope<string>("CorrelationId:{" + "CorrelationId" + "}");

    [LoggerMessage(EventId = 1100, EventName = "OperationDenied", Level = LogLevel.Warning,
        Message = "Denied {Method} {Target} by {Filter}: {Code} {Reason} (correlation {CorrelationId})")]
    private static partial void LogDenied(ILogger logger, string method, string? target, string? filter, int code, string? reason, string correlationId);

    [LoggerMessage(EventId = 1103, EventName = "OperationNeedsInput", Level = LogLevel.Debug,
        Message = "{Method} {Target} answered with an input request of {Filter} (correlation {CorrelationId})")]
    private static partial void LogInputRequired(ILogger logger, string method, string? target, string? filter, string correlationId);

    [LoggerMessage(EventId = 1101, EventName = "FilterFailed", Level = LogLevel.Error,
        Message = "Filter {Filter} failed on {Method} (correlation {CorrelationId}); failing closed")]
    private static partial void LogFilterFailed(ILogger logger, string filter, string method, string correlationId, Exception exception);

    [LoggerMessage(EventId = 1102, EventName = "FilterCompletionFailed", Level = LogLevel.Error,
        Message = "Filter {Filter} failed while told how {Method} ended (correlation {CorrelationId}); the other filters are still told")]
    private static partial void LogCompletionFailed(ILogger logger, string filter, string method, string correlationId, Exception exception);
}

/// <summary>Where a notification goes: its method, the server it came from, the client session it is for, and the call it belongs to.</summary>
internal readonly record struct NotificationRoute(string Method, string? ServerId, string? TargetName, Sessions.ClientSession? Session, OperationContext? Parent = null);
