using McpFoundation.Pipeline;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Audit;

/// <summary>
/// The pipeline's audit step, right after the policy: makes each operation's started record durable before the
/// operation goes on, so that no forwarded call goes unrecorded: in the gateway's journal when it has room (no wait),
/// else by waiting for the group commit that holds it; refuses the call (-31070, fail closed) when the trail cannot be
/// written. Queues the finished record when the operation ends, with its started record, which the writer merges into
/// it when both are still queued; and redacts a tool result on its way to the client when the server's profile says
/// <c>redact_results: true</c>.
/// List requests and notifications pass without a started record (their denials are recorded by the trail's
/// pipeline observer).
/// </summary>
internal sealed class AuditFilter(AuditTrail trail, TimeProvider time) : INonBlockingFilter
{
    public const string FilterName = "audit";

    public string Name => FilterName;

    public async ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
    {
        if (!trail.IsEnabled || context.Category is OperationCategory.Discovery or OperationCategory.ServerNotification)
        {
            return SecurityDecision.Allow;
        }

        AuditRecord started = AuditRecords.Started(context, time.GetUtcNow(), trail.Redactor);
        if (trail.TryJournal(started))
        {
            // Durable already: in the journal, which outlives the gateway; committed with the next batch.
            context.AuditState = started;
            return SecurityDecision.Allow;
        }

        if (!await trail.AppendDurableAsync(started, cancellationToken).ConfigureAwait(false))
        {
            return SecurityDecision.Deny(
                GatewayErrorCodes.AuditUnavailable,
                $"The audit trail ({trail.StoreDescription}) cannot be written, so {context.Method} was refused before it was forwarded (fail closed). Correlation id {context.CorrelationId}; see the gateway log for why (a full disk, an unreachable database).",
                FilterName,
                "audit",
                "Fix the audit store (see the gateway log), then retry.");
        }

        context.AuditState = started;
        return SecurityDecision.Allow;
    }

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
    {
        if (outcome.Succeeded && outcome.Result is CallToolResult result && context.Target?.Profile?.RedactResults == true)
        {
            CallToolResult redacted = trail.Redactor.RedactResult(result);
            if (!ReferenceEquals(redacted, result))
            {
                context.ReplaceResult(redacted, FilterName);
            }
        }

        if (context.AuditState is AuditRecord started)
        {
            trail.Post(AuditRecords.Finished(context, outcome, started, time.GetUtcNow(), trail.Redactor), started);
        }

        return ValueTask.CompletedTask;
    }
}
