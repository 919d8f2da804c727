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
}
