using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;

using McpFoundation.Security.Policy;

namespace McpFoundation.Tests.Security.Policy;

/// <summary>A test double of <see cref="IArgumentInspector"/> for unit tests of the policy service: it checks nothing.</summary>
internal sealed class NoArgumentChecks : IArgumentInspector
{
    public ValueTask<ArgumentReport> InspectAsync(OperationContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ArgumentReport.Empty);
}
