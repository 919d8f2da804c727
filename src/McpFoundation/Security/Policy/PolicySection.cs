namespace McpFoundation.Security.Policy;

/// <summary>
/// The top-level <c>policy</c> object as written; <see langword="null"/> means not set. Read by
/// <see cref="PolicySectionValidator"/>, which checks every rule and builds the <see cref="PolicyDefinition"/>.
/// </summary>
internal sealed record PolicySection
{
    public string? Default { get; init; }

    public string? Mode { get; init; }

    public int? DecisionTimeoutMs { get; init; }

    public IReadOnlyList<PolicyRuleSection?>? Rules { get; init; }
}

/// <summary>One object of <c>policy.rules</c> as written.</summary>
internal sealed record PolicyRuleSection
{
    public string? Id { get; init; }

    public string? Effect { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string>? Tools { get; init; }

    public IReadOnlyList<string>? Prompts { get; init; }

    public IReadOnlyList<string>? Resources { get; init; }

    public IReadOnlyList<string>? Servers { get; init; }

    public IReadOnlyList<string>? Users { get; init; }

    public IReadOnlyList<string>? Categories { get; init; }

    public PolicyWhenSection? When { get; init; }
}

/// <summary>A rule's <c>when</c>: conditions on the operation's (canonical) arguments; all that are set must hold.</summary>
internal sealed record PolicyWhenSection
{
    public PolicyPathConditionSection? Path { get; init; }

    public PolicyUrlConditionSection? Url { get; init; }

    public IReadOnlyDictionary<string, PolicyArgumentConditionSection>? Arguments { get; init; }
}

/// <summary>A rule's <c>when.path</c>.</summary>
internal sealed record PolicyPathConditionSection
{
    public IReadOnlyList<string>? Under { get; init; }

    public IReadOnlyList<string>? NotUnder { get; init; }
}

/// <summary>A rule's <c>when.url</c>.</summary>
internal sealed record PolicyUrlConditionSection
{
    public IReadOnlyList<string>? Hosts { get; init; }
}

/// <summary>One argument's condition under a rule's <c>when.arguments</c>.</summary>
internal sealed record PolicyArgumentConditionSection
{
    public string? Matches { get; init; }
}
