namespace McpFoundation.Configuration.Sections;

/// <summary>
/// A server's <c>security_profile</c> object as written; <see langword="null"/> means not set. Validated by
/// <see cref="SecurityProfileSectionValidator"/>, which turns it into a <see cref="Configuration.SecurityProfile"/>.
/// </summary>
internal sealed record SecurityProfileSection
{
    public string? RiskLevel { get; init; }

    public IReadOnlyList<string>? AllowedOperations { get; init; }

    public int? MaxConcurrentOperations { get; init; }

    public IReadOnlyList<string>? AllowedFileExtensions { get; init; }

    public int? RateLimit { get; init; }

    public bool? RequireAuthentication { get; init; }

    public IReadOnlyList<string>? AllowedPaths { get; init; }

    public IReadOnlyList<string>? AllowedHosts { get; init; }

    public bool? AllowPrivateNetwork { get; init; }

    public IReadOnlyList<string>? AllowedSchemes { get; init; }

    public IReadOnlyDictionary<string, ToolProfileSection>? Tools { get; init; }

    public int? MaxArgumentBytes { get; init; }

    public int? MaxStringLength { get; init; }

    public int? MaxArgumentDepth { get; init; }

    public bool? RedactResults { get; init; }
}

/// <summary>One entry of a <c>security_profile.tools</c> object as written. Validated by <see cref="ToolProfileSectionValidator"/>.</summary>
internal sealed record ToolProfileSection
{
    public string? Operation { get; init; }

    public IReadOnlyDictionary<string, string>? Arguments { get; init; }

    public bool? AllowShell { get; init; }
}
