namespace McpFoundation.Security.Adaptive;

/// <summary>The steps of the adaptive response's escalation ladder, lowest first.</summary>
public enum EscalationLevel
{
    /// <summary>Not escalated.</summary>
    None,

    /// <summary>Logged and raised; calls go on.</summary>
    Warn,

    /// <summary>Calls of risky tools (write, delete, execute) need the user's approval.</summary>
    Ask,

    /// <summary>Calls are limited to <c>adaptive.throttle_calls_per_minute</c>.</summary>
    Throttle,

    /// <summary>Every call is refused with -31057 until released or the step decays.</summary>
    Quarantine,

    /// <summary>For a server: every call to it is refused with -31057 until released or the step decays.</summary>
    StopServer,
}

/// <summary>
/// One escalated subject: a user (<c>user:alice</c>), a client session (<c>session:abc</c>) or a server
/// (<c>server:fs</c>), its step, its threat score, why, and until when the step holds at least.
/// </summary>
/// <param name="Subject">What is escalated, <c>user:ID</c>, <c>session:ID</c> or <c>server:ID</c>; what <c>mcpf release</c> takes.</param>
/// <param name="Level">The step.</param>
/// <param name="Score">The threat score when the step was last set (it decays with <c>adaptive.half_life</c>).</param>
/// <param name="Reason">Why, in one line: the last denials' rules, or the call-rate spike.</param>
/// <param name="Since">When the subject reached this step.</param>
/// <param name="Until">Until when the step holds at least (then it steps down as the score decays).</param>
public sealed record Escalation(string Subject, EscalationLevel Level, double Score, string Reason, DateTimeOffset Since, DateTimeOffset Until);

/// <summary>An escalation changed: a subject went up or down the ladder, or an operator released it.</summary>
public sealed class EscalationChangedEventArgs : EventArgs
{
    internal EscalationChangedEventArgs(Escalation escalation, EscalationLevel previous, string kind, string? initiator)
    {
        Escalation = escalation;
        Previous = previous;
        Kind = kind;
        Initiator = initiator;
    }

    /// <summary>Gets the escalation as it is now (<see cref="EscalationLevel.None"/> after a release or full decay).</summary>
    public Escalation Escalation { get; }

    /// <summary>Gets the step before.</summary>
    public EscalationLevel Previous { get; }

    /// <summary>Gets what happened: <c>escalated</c>, <c>deescalated</c> or <c>released</c>.</summary>
    public string Kind { get; }

    /// <summary>Gets who released it (an operator's name), for <c>released</c>.</summary>
    public string? Initiator { get; }
}
