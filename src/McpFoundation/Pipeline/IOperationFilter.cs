namespace McpFoundation.Pipeline;

/// <summary>
/// One step of the gateway's single interception seam. Each filter has one job, sees every operation (client requests
/// including lists, server-to-client requests, notifications on their way to a client, a stateless client's input
/// responses) before it is routed or sent, answers with a <see cref="SecurityDecision"/>, and is told how the
/// operation ended. Filters run in the order they were added; they share nothing but the <see cref="OperationContext"/>.
/// </summary>
/// <remarks>
/// <para><b>Guarantees.</b> The route (<see cref="OperationContext.ServerId"/>, <see cref="OperationContext.DownstreamName"/>,
/// <see cref="OperationContext.Target"/>) is fixed before the first filter runs. Every filter whose
/// <see cref="OnRequestAsync"/> allowed an operation gets exactly one <see cref="OnCompletedAsync"/>, whatever happens
/// after: a later filter denies, throws or is cancelled, the server fails, the client cancels, or the call is suspended
/// for client input and finished by a later request (its outcome is reported then, once). A filter that throws from
/// <see cref="OnRequestAsync"/> denies the operation (fail closed, <see cref="GatewayErrorCodes.FilterFailed"/>); one
/// that throws from <see cref="OnCompletedAsync"/> is logged, and the other filters are still told.</para>
/// <para><b>Changing what passes.</b> Only through <see cref="OperationContext.ReplaceArguments"/> (in
/// <see cref="OnRequestAsync"/>; the router forwards exactly what the filters saw) and
/// <see cref="OperationContext.ReplaceResult"/> (in <see cref="OnCompletedAsync"/>; e.g. to trim a <c>tools/list</c>
/// result for the caller or redact a tool result).</para>
/// <para><b>Threading: never block.</b> Both methods run on the request's path: on a socket thread of the HTTP front
/// (requests are handled inline on the thread that read them), on the stdio front's reader, or on the thread that read
/// the server's answer. A filter that blocks (a synchronous database call, <c>.Result</c>, a lock held across I/O) stalls
/// every connection that thread serves. Await instead, keep <see cref="OnRequestAsync"/> to what the decision needs,
/// and send slow work (an audit store's writes, webhooks) through a queue of your own. The gateway protects its
/// readers: completions are moved off the thread that reads a child process's stdout, and the gateway's public
/// events are raised on a background worker.</para>
/// </remarks>
public interface IOperationFilter
{
    /// <summary>Gets the filter's name, used in denials (the error's <c>data.filter</c>), logs and audit records.</summary>
    string Name { get; }

    /// <summary>Decides whether the operation may continue. Must not block (see the remarks).</summary>
    /// <param name="context">The operation.</param>
    /// <param name="cancellationToken">Cancelled when the caller gives up, a time limit elapses, or the gateway cancels the operation.</param>
    /// <returns>The decision.</returns>
    ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default);

    /// <summary>
    /// Observes how an allowed operation ended, with its result (<see cref="OperationOutcome.Result"/>) or error. Called
    /// exactly once for every filter whose <see cref="OnRequestAsync"/> allowed it, in reverse order. Must not block.
    /// </summary>
    /// <param name="context">The operation.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="cancellationToken">Not cancelled today; reserved for host shutdown.</param>
    /// <returns>A task that completes when the filter is done.</returns>
    ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
