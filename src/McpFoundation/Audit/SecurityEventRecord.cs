namespace McpFoundation.Audit;

/// <summary>
/// A security event that is not one operation's outcome (an emergency stop or resume, an escalation of the adaptive
/// response and its release, a configuration reload): what the features that raise them hand to
/// <see cref="ISecurityEventSink"/> for the audit trail.
/// </summary>
/// <param name="Kind">What happened, a stable lower-case name: <c>emergency_activated</c>, <c>emergency_resumed</c>, <c>escalated</c>, <c>released</c>, ...</param>
/// <param name="Message">One sentence for people: what happened, who did it and why.</param>
public sealed record SecurityEventRecord(string Kind, string Message)
{
    /// <summary>Gets the correlation id of the operation that caused it, if one did.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets who caused it: a user id, an operator's name, <c>signal</c>, <c>stop-file</c>...</summary>
    public string? Initiator { get; init; }

    /// <summary>Gets the channel it came through (<c>library</c>, <c>admin-api</c>, <c>cli</c>, <c>signal</c>, <c>stop-file</c>, <c>adaptive</c>...).</summary>
    public string? Channel { get; init; }

    /// <summary>Gets the user it is about, if any (e.g. the user an escalation quarantines).</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the session it is about, if any.</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets the server it is about, if any.</summary>
    public string? ServerId { get; init; }

    /// <summary>Gets the reason given, if any.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets further facts as name/value pairs (never a secret).</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }
}
