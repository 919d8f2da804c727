namespace McpFoundation.Pipeline;

/// <summary>
/// A filter that allows everything and does nothing: what the seam costs with filters installed, measured by the load
/// benchmark (<c>mcpf serve --noop-filters N</c>, docs/PERFORMANCE.md). Its completion is a real completion: the
/// pipeline reports the outcome to it like to any filter. It promises non-blocking completions, as the gateway's own
/// filters do; <see cref="UndeclaredNoopFilter"/> does not, and so pays the hop off a stdio reader thread.
/// </summary>
internal sealed class NoopFilter(int number) : INonBlockingFilter
{
    public string Name { get; } = "noop-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SecurityDecision.Allow);

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}

/// <summary>A no-op filter that makes no promise about blocking: measures a third-party filter's cost (<c>--undeclared-noop-filters N</c>).</summary>
internal sealed class UndeclaredNoopFilter(int number) : IOperationFilter
{
    public string Name { get; } = "undeclared-noop-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SecurityDecision.Allow);

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}
