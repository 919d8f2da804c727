using System.Text.Json;
using McpFoundation.Pipeline;
using McpFoundation.Servers;
using McpFoundation.Sessions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Routing;

/// <summary>
/// Tool calls of stateless (2026-07-28) clients whose server asks for client input (sampling, elicitation, roots):
/// the gateway answers the client with an input-required result (MRTR), keeps the downstream call running, and carries
/// it on when the client retries with <c>requestState</c> and <c>inputResponses</c>. One call stays one pipeline
/// operation: the first request's context, judged once on its own arguments, with one outcome when the downstream
/// call really ends (result, error, cancel or expiry). The client's input responses pass the pipeline as operations of
/// their own (<see cref="OperationCategory.ClientInputResponse"/>) before the server sees them.
/// </summary>
internal sealed partial class SuspendedToolCalls
{
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<InputResponse> InputResponseType =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<InputResponse>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InputResponse));

    private readonly OperationRouter _router;
    private readonly OperationPipeline _pipeline;
    private readonly SuspendedCallStore _store = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public SuspendedToolCalls(OperationRouter router, OperationPipeline pipeline, TimeProvider timeProvider, ILogger<SuspendedToolCalls> logger)
    {
        _router = router;
        _pipeline = pipeline;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the number of tool calls waiting for a stateless client to answer input requests.</summary>
    public int Count => _store.Count;

    /// <summary>The pipeline's terminal for a stateless client's tool call: forward it, and suspend it if the server asks for input.</summary>
    public async ValueTask<CallToolResult> StartAsync(OperationContext context, CallToolRequestParams request, McpServer requestServer, CancellationToken cancellationToken)
    {
        DownstreamServer server = _router.GetServer(context.ServerId!);
        CallToolRequestParams downstream = OperationRouter.DownstreamToolCall(context, request);
        OperationRouter.StampCorrelationId(context, downstream);
        var call = new SuspendedCall(SuspendedCallStore.NewId(), context, new ClientInputExchange(), OperationPipeline.TokenOf(context));
        if (request.ProgressToken is { } token)
        {
            call.Progress = _router.OpenProgress(server, token, requestServer, context, downstream);
        }

        var inFlight = new InFlightCall(context.Session!, requestServer, context.CorrelationId) { Exchange = call.Exchange, Context = context };
        call.Downstream = RunDownstreamAsync(server, inFlight, downstream, call);
        return await AwaitOrSuspendAsync(call, server, requestServer, cancellationToken);
    }

    /// <summary>
    /// A retry with <c>requestState</c>: the client's input responses pass the pipeline, reach the waiting server
    /// requests, and the original call is awaited again (or suspended again).
    /// </summary>
    public async ValueTask<CallToolResult> ResumeAsync(OperationContext resume, CallToolRequestParams request, McpServer requestServer, CancellationToken cancellationToken)
    {
        if (_store.TryTake(request.RequestState!, resume.UserId, request.Name) is not { } call)
        {
            // Not a call this gateway suspended for this user and tool: still an attempt filters and audit must see.
            return await RefuseUnknownResumeAsync(resume, request, cancellationToken);
        }

        call.StopExpiry();
        OperationContext original = call.Context;
        OperationPipeline.Resume(original, cancellationToken);
        DownstreamServer server;
        try
        {
            server = _router.GetServer(original.ServerId!);
            if (request.InputResponses is { Count: > 0 } responses)
            {
                await DeliverInputAsync(call, resume, responses, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            call.Cancel(new OperationCanceledException("The client's input responses were not delivered."));
            await FinishAsync(call, ex);
            throw;
        }

        if (call.Progress is not null)
        {
            await call.Progress.RetargetAsync(requestServer);
        }

        return await AwaitOrSuspendAsync(call, server, requestServer, cancellationToken);
    }

    private async ValueTask<CallToolResult> RefuseUnknownResumeAsync(OperationContext resume, CallToolRequestParams request, CancellationToken cancellationToken)
    {
        resume.Resolve(request.Name, null, null, null);
        var unknown = new McpProtocolException(
            "The requestState of this tools/call is unknown or expired (the gateway keeps a suspended call for the server's timeout). Call the tool again without requestState and inputResponses.",
            McpErrorCode.InvalidParams);
        PipelineResult<CallToolResult> refused = await _pipeline.ExecuteAsync<McpProtocolException, CallToolResult>(resume, unknown, static (_, error, _) => throw error, cancellationToken);
        throw GatewayErrors.Refusal(refused.Decision, resume.CorrelationId);
    }

    private async ValueTask DeliverInputAsync(SuspendedCall call, OperationContext resume, IDictionary<string, InputResponse> responses, CancellationToken cancellationToken)
    {
        OperationContext original = call.Context;
        var input = new OperationContext(OperationCategory.ClientInputResponse, RequestMethods.ToolsCall)
        {
            CorrelationId = original.CorrelationId,
            Parent = original,
            Session = resume.Session,
            User = resume.User,
            Meta = resume.Meta,
            Arguments = responses.ToDictionary(static r => r.Key, static r => JsonSerializer.SerializeToElement(r.Value, InputResponseType), StringComparer.Ordinal),
        };
        input.Resolve(original.TargetName, original.ServerId, original.DownstreamName, original.Target);
        PipelineResult<bool> delivered = await _pipeline.ExecuteAsync(
            input,
            (Call: call, Responses: responses),
            static (ctx, s, _) =>
            {
                IDictionary<string, InputResponse> answers = ctx.ArgumentsReplacedBy is null
                    ? s.Responses
                    : ctx.Arguments!.ToDictionary(static a => a.Key, static a => a.Value.Deserialize(InputResponseType)!, StringComparer.Ordinal);
                foreach (string key in answers.Keys)
                {
                    s.Call.Unanswered.Remove(key);
                }

                s.Call.Exchange.Deliver(answers);
                return ValueTask.FromResult(true);
            },
            cancellationToken);
        if (!delivered.IsAllowed)
        {
            throw GatewayErrors.Refusal(delivered.Decision, input.CorrelationId);
        }
    }

    private static async Task<CallToolResult> RunDownstreamAsync(DownstreamServer server, InFlightCall inFlight, CallToolRequestParams downstream, SuspendedCall call)
    {
        using DownstreamServer.CallRegistration registration = server.Track(inFlight);
        return await server.ForwardAsync<CallToolRequestParams, CallToolResult>(RequestMethods.ToolsCall, downstream, call.Lifetime);
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
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            call.Cancel(new OperationCanceledException("The client cancelled the call."));
            await FinishAsync(call, ex);
            throw;
        }

        if (downstream.IsCompleted)
        {
            CallToolResult result;
            try
            {
                result = await downstream;
            }
            catch (Exception ex)
            {
                await FinishAsync(call, ex);
                throw;
            }

            return await FinishAsync(call, result);
        }

        if (call.Progress is not null)
        {
            await call.Progress.RetargetAsync(requestServer);
        }

        // The request ends here without an outcome: the operation goes on, and is reported once when it really ends.
        OperationPipeline.Defer(call.Context);
        _store.Park(call);
        call.StartExpiry(_timeProvider, server.CallTimeout, expired => _ = AbandonAsync(expired, new TimeoutException("The client did not answer the input requests in time.")));
        call.Lifetime.UnsafeRegister(
            static state =>
            {
                var (self, parked) = ((SuspendedToolCalls, SuspendedCall))state!;
                _ = self.AbandonAsync(parked, new OperationCanceledException(OperationPipeline.CancelReasonOf(parked.Context) ?? "The suspended call was cancelled."));
            },
            (this, call));
        LogSuspended(_logger, call.ToolName, call.Unanswered.Count, call.Context.CorrelationId);
        throw new InputRequiredException(new Dictionary<string, InputRequest>(call.Unanswered, StringComparer.Ordinal), call.Id);
    }

    /// <summary>A parked call that nobody resumed in time, or that was cancelled while parked: cancel, finish, report.</summary>
    private async Task AbandonAsync(SuspendedCall call, Exception reason)
    {
        if (!_store.Remove(call))
        {
            return; // resumed meanwhile: the resuming request reports the outcome
        }

        call.Cancel(reason);
        LogAbandoned(_logger, call.ToolName, reason.Message, call.Context.CorrelationId);
        await FinishAsync(call, reason is TimeoutException ? new McpProtocolException(reason.Message, (McpErrorCode)GatewayErrorCodes.ServerTimeout) : reason);
    }

    private async ValueTask<CallToolResult> FinishAsync(SuspendedCall call, CallToolResult result)
    {
        await ReleaseAsync(call);

        // A call that was suspended is reported here; a first request that got its result is reported by its pipeline run.
        return OperationPipeline.IsDeferred(call.Context)
            ? await _pipeline.CompleteAsync(call.Context, OperationPipeline.Succeeded(call.Context, result), result)
            : result;
    }

    private async ValueTask FinishAsync(SuspendedCall call, Exception failure)
    {
        await ReleaseAsync(call);

        // Only a call that was suspended is reported here; a first request that fails is reported by its pipeline run.
        if (OperationPipeline.IsDeferred(call.Context))
        {
            await _pipeline.CompleteAsync<object?>(call.Context, OperationPipeline.Failed(call.Context, failure), null);
        }
    }

    private static async ValueTask ReleaseAsync(SuspendedCall call)
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

    [LoggerMessage(EventId = 1610, EventName = "ToolCallSuspended", Level = LogLevel.Debug, Message = "Tool call {ToolName} suspended for {InputCount} client input request(s) (correlation {CorrelationId})")]
    private static partial void LogSuspended(ILogger logger, string toolName, int inputCount, string correlationId);

    [LoggerMessage(EventId = 1611, EventName = "SuspendedCallAbandoned", Level = LogLevel.Information, Message = "Suspended tool call {ToolName} abandoned: {Reason} (correlation {CorrelationId})")]
    private static partial void LogAbandoned(ILogger logger, string toolName, string reason, string correlationId);
}
