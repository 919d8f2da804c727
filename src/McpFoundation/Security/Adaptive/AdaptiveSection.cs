namespace McpFoundation.Security.Adaptive;

/// <summary>The <c>adaptive</c> object as written in the file; <see langword="null"/> means not set.</summary>
internal sealed record AdaptiveSection
{
    public bool? Enabled { get; init; }

    public double? HalfLife { get; init; }

    public int? WarnAt { get; init; }

    public int? AskAt { get; init; }

    public int? ThrottleAt { get; init; }

    public int? QuarantineAt { get; init; }

    public int? StopServerAt { get; init; }

    public double? WarnFor { get; init; }

    public double? AskFor { get; init; }

    public double? ThrottleFor { get; init; }

    public double? QuarantineFor { get; init; }

    public double? StopServerFor { get; init; }

    public int? ThrottleCallsPerMinute { get; init; }

    public int? SpikeFactor { get; init; }

    public int? SpikeMinCalls { get; init; }
}
