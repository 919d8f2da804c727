using McpFoundation.Pipeline;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Canonicalizes and checks an operation's arguments before any policy decision: which argument is a path, URL or
/// command (from the tool's <c>inputSchema</c> and the server's <c>security_profile</c>), its canonical form, and the
/// server's profile limits on it. Never blocks; a check that cannot complete is a violation (fail closed).
/// </summary>
public interface IArgumentInspector
{
    /// <summary>Inspects the arguments of <paramref name="context"/>.</summary>
    /// <param name="context">The operation (its <see cref="OperationContext.Target"/> has the tool and the server's profile).</param>
    /// <param name="cancellationToken">Cancelled when the caller gives up or the check's time budget ends.</param>
    /// <returns>Every checked argument and every violation.</returns>
    ValueTask<ArgumentReport> InspectAsync(OperationContext context, CancellationToken cancellationToken);
}
