namespace McpFoundation.Audit;

/// <summary>What an audit record stands for.</summary>
public enum AuditRecordKind
{
    /// <summary>An operation passed the filters before the audit filter and is about to be forwarded (written durably first).</summary>
    OperationStarted,

    /// <summary>An operation ended: its outcome, latency and error; also a denial by any filter, and a call found unfinished at the next start.</summary>
    OperationFinished,

    /// <summary>A security event that is not one operation's outcome (<see cref="SecurityEventRecord"/>).</summary>
    SecurityEvent,
}

/// <summary>
/// One entry of the audit trail. The gateway fills in what it knows; <see cref="Sequence"/>, <see cref="PreviousHash"/>
/// and <see cref="Hash"/> are set by the store when the record is appended (the hash chain, see docs/audit.md).
/// Arguments are redacted before they get here; <see cref="ArgumentsSha256"/> is the SHA-256 of the canonical
/// arguments as sent, so that a call can be matched to its arguments without keeping them.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>Gets the record's position in the trail (1, 2, ...); 0 until appended.</summary>
    public long Sequence { get; init; }

    /// <summary>Gets what the record stands for.</summary>
    public required AuditRecordKind Kind { get; init; }

    /// <summary>Gets when it happened (UTC, millisecond precision in the store).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Gets the operation's correlation id (as in the client's error <c>data.correlationId</c> and the log).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the client session id, if the operation came from one.</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets the caller's user id, if known.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the client's name (its <c>clientInfo.name</c>), if known.</summary>
    public string? ClientName { get; init; }

    /// <summary>Gets the client's version (its <c>clientInfo.version</c>), if known.</summary>
    public string? ClientVersion { get; init; }

    /// <summary>Gets the configured server id the operation was routed to.</summary>
    public string? ServerId { get; init; }

    /// <summary>Gets the MCP method (<c>tools/call</c>, ...), or the security event's kind for <see cref="AuditRecordKind.SecurityEvent"/>.</summary>
    public string? Method { get; init; }

    /// <summary>Gets the tool, resource URI or prompt name the client used.</summary>
    public string? Target { get; init; }

    /// <summary>Gets the arguments as redacted JSON text (secrets and configured PII replaced), if any.</summary>
    public string? Arguments { get; init; }

    /// <summary>Gets the lower-case hex SHA-256 of the canonical JSON of the arguments as sent (before redaction).</summary>
    public string? ArgumentsSha256 { get; init; }

    /// <summary>Gets the decision: <c>allow</c>, <c>deny</c> or <c>input_required</c>.</summary>
    public string? Decision { get; init; }

    /// <summary>Gets the filter that decided a denial.</summary>
    public string? DecidedBy { get; init; }

    /// <summary>Gets the rule that decided a denial (a policy rule id, <c>default</c>, a profile field).</summary>
    public string? Rule { get; init; }

    /// <summary>Gets the risk score; null until risk scoring exists.</summary>
    public double? RiskScore { get; init; }

    /// <summary>Gets the latency in milliseconds, for a finished operation.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Gets the outcome: <c>started</c>, <c>ok</c>, <c>denied</c>, <c>error</c>, <c>cancelled</c>, <c>input_required</c>, <c>unfinished</c>, or <c>event</c>.</summary>
    public string? Outcome { get; init; }

    /// <summary>Gets the JSON-RPC error code, when it failed or was denied.</summary>
    public int? ErrorCode { get; init; }

    /// <summary>Gets the error message (redacted), when it failed or was denied; the event's sentence for a security event.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets further facts as JSON text (a security event's initiator, channel, reason, details), if any.</summary>
    public string? Details { get; init; }

    /// <summary>Gets the hash of the record before this one (64 zeros for the first); set by the store.</summary>
    public string? PreviousHash { get; init; }

    /// <summary>Gets this record's hash over its fields and <see cref="PreviousHash"/>; set by the store.</summary>
    public string? Hash { get; init; }

    /// <summary>Gets the outcome names.</summary>
    public static class Outcomes
    {
        /// <summary>Started, not finished yet.</summary>
        public const string Started = "started";

        /// <summary>Answered with a result.</summary>
        public const string Ok = "ok";

        /// <summary>Refused by a filter.</summary>
        public const string Denied = "denied";

        /// <summary>Failed (a server error, a time limit, a gateway error).</summary>
        public const string Error = "error";

        /// <summary>Cancelled by the client, a time limit or the gateway.</summary>
        public const string Cancelled = "cancelled";

        /// <summary>Answered with the gateway's own input request (an approval of a stateless client).</summary>
        public const string InputRequired = "input_required";

        /// <summary>Started but never finished: the gateway stopped (a crash) before the call ended.</summary>
        public const string Unfinished = "unfinished";

        /// <summary>A security event.</summary>
        public const string Event = "event";
    }
}
