namespace McpFoundation.Security.Adaptive;

/// <summary>The <c>adaptive</c> section of the configuration, validated; <see cref="Disabled"/> when the file has none.</summary>
internal sealed record AdaptiveSettings
{
    /// <summary>Gets the settings of a file without an <c>adaptive</c> section: nothing is scored or escalated.</summary>
    public static AdaptiveSettings Disabled { get; } = new() { Enabled = false };

    /// <summary>Gets a value indicating whether the adaptive response scores callers and escalates (config <c>enabled</c>, default true once the section is there).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets the time in which a threat score halves (config <c>half_life</c>).</summary>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets the score at which each step begins, by level (config <c>warn_at</c>, <c>ask_at</c>, ...); 0 turns a step off.</summary>
    public IReadOnlyDictionary<EscalationLevel, double> Thresholds { get; init; } = new Dictionary<EscalationLevel, double>
    {
        [EscalationLevel.Warn] = 3,
        [EscalationLevel.Ask] = 6,
        [EscalationLevel.Throttle] = 10,
        [EscalationLevel.Quarantine] = 15,
        [EscalationLevel.StopServer] = 40,
    };

    /// <summary>Gets how long each step holds at least once reached, by level (config <c>warn_for</c>, ...), before it may step down as the score decays.</summary>
    public IReadOnlyDictionary<EscalationLevel, TimeSpan> Holds { get; init; } = new Dictionary<EscalationLevel, TimeSpan>
    {
        [EscalationLevel.Warn] = TimeSpan.FromMinutes(1),
        [EscalationLevel.Ask] = TimeSpan.FromMinutes(5),
        [EscalationLevel.Throttle] = TimeSpan.FromMinutes(5),
        [EscalationLevel.Quarantine] = TimeSpan.FromMinutes(15),
        [EscalationLevel.StopServer] = TimeSpan.FromMinutes(15),
    };

    /// <summary>Gets the calls per minute a throttled user or session keeps (config <c>throttle_calls_per_minute</c>).</summary>
    public int ThrottleCallsPerMinute { get; init; } = 10;

    /// <summary>Gets how many times its own baseline a user's calls in one minute must be to count as a spike (config <c>spike_factor</c>).</summary>
    public int SpikeFactor { get; init; } = 5;

    /// <summary>Gets the fewest calls in one minute that can count as a spike (config <c>spike_min_calls</c>).</summary>
    public int SpikeMinCalls { get; init; } = 60;

    /// <summary>The score one denial adds, by its error code (its rule's severity); see docs/adaptive.md.</summary>
    public static double ScoreOf(int errorCode) => errorCode switch
    {
        Pipeline.GatewayErrorCodes.ArgumentRejected => 3, // path traversal, private network, shell metacharacters: high
        Pipeline.GatewayErrorCodes.PolicyDenied or Pipeline.GatewayErrorCodes.OperationNotAllowed or Pipeline.GatewayErrorCodes.AuthenticationRequired => 2, // medium
        Pipeline.GatewayErrorCodes.ArgumentsInvalid or Pipeline.GatewayErrorCodes.ApprovalRefused => 1, // low
        Pipeline.GatewayErrorCodes.RateLimited or Pipeline.GatewayErrorCodes.ConcurrencyLimited => 0.5, // hammering a limit
        _ => 0,
    };

    /// <summary>The score a call-rate spike adds.</summary>
    public const double SpikeScore = 5;
}
