using System.Text;

namespace McpFoundation.Configuration;

/// <summary>
/// The limits the gateway enforces on one downstream server: config key <c>security_profile</c>.
/// Two profiles are equal when all their values are equal, lists compared element by element.
/// </summary>
public sealed record SecurityProfile
{
    /// <summary>The known values of <see cref="RiskLevel"/>, lowest first.</summary>
    public static IReadOnlyList<string> RiskLevels { get; } = ["low", "medium", "high", "critical"];

    /// <summary>Gets how risky the server's tools are: <c>low</c>, <c>medium</c>, <c>high</c> or <c>critical</c> (always lower case); <see langword="null"/> when not set.</summary>
    public string? RiskLevel { get; init; }

    /// <summary>Gets the operations the server may perform (config <c>allowed_operations</c>); empty means no restriction by operation.</summary>
    public IReadOnlyList<string> AllowedOperations { get; init; } = [];

    /// <summary>Gets the number of calls to the server that may run at once (config <c>max_concurrent_operations</c>, at least 1); <see langword="null"/> when not limited.</summary>
    public int? MaxConcurrentOperations { get; init; }

    /// <summary>Gets the file extensions the server's tools may touch, each starting with <c>.</c> (config <c>allowed_file_extensions</c>); empty means no restriction by extension.</summary>
    public IReadOnlyList<string> AllowedFileExtensions { get; init; } = [];

    /// <summary>Gets the number of calls per minute allowed to the server (config <c>rate_limit</c>, at least 1); <see langword="null"/> when not limited.</summary>
    public int? RateLimit { get; init; }

    /// <summary>Gets a value indicating whether callers must be authenticated to use the server (config <c>require_authentication</c>).</summary>
    public bool RequireAuthentication { get; init; }

    /// <summary>Compares two profiles by value, lists element by element.</summary>
    /// <param name="other">The other profile.</param>
    /// <returns><see langword="true"/> when every value is equal.</returns>
    public bool Equals(SecurityProfile? other) =>
        other is not null
        && string.Equals(RiskLevel, other.RiskLevel, StringComparison.Ordinal)
        && AllowedOperations.SequenceEqual(other.AllowedOperations, StringComparer.Ordinal)
        && MaxConcurrentOperations == other.MaxConcurrentOperations
        && AllowedFileExtensions.SequenceEqual(other.AllowedFileExtensions, StringComparer.Ordinal)
        && RateLimit == other.RateLimit
        && RequireAuthentication == other.RequireAuthentication;

    /// <summary>Computes a hash code consistent with <see cref="Equals(SecurityProfile?)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(RiskLevel, StringComparer.Ordinal);
        hash.Add(AllowedOperations.Count);
        hash.Add(MaxConcurrentOperations);
        hash.Add(AllowedFileExtensions.Count);
        hash.Add(RateLimit);
        hash.Add(RequireAuthentication);
        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("RiskLevel = ").Append(RiskLevel)
            .Append(", AllowedOperations = [").Append(string.Join(", ", AllowedOperations)).Append(']')
            .Append(", MaxConcurrentOperations = ").Append(MaxConcurrentOperations)
            .Append(", AllowedFileExtensions = [").Append(string.Join(", ", AllowedFileExtensions)).Append(']')
            .Append(", RateLimit = ").Append(RateLimit)
            .Append(", RequireAuthentication = ").Append(RequireAuthentication);
        return true;
    }
}
