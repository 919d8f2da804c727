namespace McpFoundation.Security.Limits;

/// <summary>The <c>limits</c> object as written in the file; <see langword="null"/> means not set.</summary>
internal sealed record LimitsSection
{
    public LimitRuleSection? PerUser { get; init; }

    public Dictionary<string, LimitRuleSection>? Tools { get; init; }

    public LimitQueueSection? Queue { get; init; }
}

/// <summary>One limit (<c>limits.per_user</c>, <c>limits.tools.&lt;tool&gt;</c>) as written in the file.</summary>
internal sealed record LimitRuleSection
{
    public int? CallsPerMinute { get; init; }

    public int? MaxConcurrent { get; init; }
}

/// <summary>The <c>limits.queue</c> object as written in the file.</summary>
internal sealed record LimitQueueSection
{
    public int? Size { get; init; }

    public double? Timeout { get; init; }
}
