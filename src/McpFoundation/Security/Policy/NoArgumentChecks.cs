using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The argument inspector in force until the real one (canonicalization and profile limits) is registered: it checks
/// nothing. Registered with <c>TryAddSingleton</c>, so any other <see cref="IArgumentInspector"/> replaces it.
/// </summary>
internal sealed class NoArgumentChecks : IArgumentInspector
{
    public ValueTask<ArgumentReport> InspectAsync(OperationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ArgumentReport.Empty);
}
