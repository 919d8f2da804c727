using ModelContextProtocol;

namespace McpFoundation.Pipeline;

/// <summary>
/// Builds the JSON-RPC errors the gateway answers with. Every refusal carries <c>data</c> with the correlation id and
/// the deciding filter, so that a user can find the decision in the log and the audit trail.
/// </summary>
public static class GatewayErrors
{
    /// <summary>The <c>data</c> field naming the correlation id of the refused operation.</summary>
    public const string CorrelationIdField = "correlationId";

    /// <summary>The <c>data</c> field naming the filter that refused the operation.</summary>
    public const string FilterField = "filter";

    /// <summary>The <c>data</c> field naming the rule that decided a refusal (a policy rule id, <c>default</c>, or a profile field).</summary>
    public const string RuleField = "rule";

    /// <summary>The <c>data</c> field with a one-line hint of what to change.</summary>
    public const string HintField = "hint";

    /// <summary>The <c>data</c> field naming the argument a refusal is about.</summary>
    public const string ArgumentField = "argument";

    /// <summary>The <c>data</c> field with the number of seconds after which a refused call may be retried (rate and concurrency limits).</summary>
    public const string RetryAfterSecondsField = "retryAfterSeconds";

    /// <summary>Creates the error a client receives when a filter refused its request.</summary>
    /// <param name="decision">The refusing decision.</param>
    /// <param name="correlationId">The operation's correlation id.</param>
    /// <returns>An exception the SDK turns into a JSON-RPC error with <c>data</c>.</returns>
    public static McpProtocolException Refusal(SecurityDecision decision, string correlationId)
    {
        var exception = new McpProtocolException(decision.Reason ?? "Denied.", (McpErrorCode)decision.Code);
        exception.Data[CorrelationIdField] = correlationId;
        if (decision.DeniedBy is { } filter)
        {
            exception.Data[FilterField] = filter;
        }

        if (decision.Rule is { } rule)
        {
            exception.Data[RuleField] = rule;
        }

        if (decision.Hint is { } hint)
        {
            exception.Data[HintField] = hint;
        }

        if (decision.Argument is { } argument)
        {
            exception.Data[ArgumentField] = argument;
        }

        if (decision.Data is { } data)
        {
            foreach ((string field, object value) in data)
            {
                exception.Data[field] = value;
            }
        }

        return exception;
    }
}
