namespace McpFoundation.Pipeline;

/// <summary>
/// A filter that promises its <see cref="IOperationFilter.OnCompletedAsync"/> never blocks (it only awaits, and
/// queues slow work). When every filter that allowed an operation makes this promise, the gateway tells them the
/// outcome on whatever thread the answer arrived on, including the thread that reads a stdio server's output and,
/// with inline I/O, a socket thread, which saves a thread hop per call (measured in docs/PERFORMANCE.md). Without it
/// the gateway first moves off any thread that is not a thread-pool thread, so that a filter that blocks by mistake
/// stalls its own call, not every call of that server or that socket thread. The gateway's own filters make the
/// promise; make it for yours only when it holds.
/// </summary>
public interface INonBlockingFilter : IOperationFilter
{
}
