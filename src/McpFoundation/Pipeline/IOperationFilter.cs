namespace McpFoundation.Pipeline;

/// <summary>
/// One step of the gateway's single interception seam. Each filter has one job, sees the operation before it is
/// routed, answers with a <see cref="SecurityDecision"/>, and is told how the operation ended.
/// A filter that throws denies the operation (fail closed).
/// </summary>
public interface IOperationFilter
{
    /// <summary>Gets the filter's name, used in denials, logs and audit records.</summary>
    string Name { get; }

    /// <summary>Decides whether the operation may continue.</summary>
    /// <param name="context">The operation.</param>
    /// <param name="cancellationToken">Cancelled when the caller gives up.</param>
    /// <returns>The decision.</returns>
    ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default);

    /// <summary>Observes how an allowed operation ended. Called for every filter whose <see cref="OnRequestAsync"/> allowed it.</summary>
    /// <param name="context">The operation.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>A task that completes when the filter is done.</returns>
    ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
