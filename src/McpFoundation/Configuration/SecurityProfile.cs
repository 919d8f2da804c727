using System.Collections.ObjectModel;
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

    /// <summary>Gets the roots every path argument must resolve inside (config <c>allowed_paths</c>), absolute once loaded (a relative entry is resolved against the server's <see cref="ServerDefinition.BaseDirectory"/> when checked); empty means no restriction by path.</summary>
    public IReadOnlyList<string> AllowedPaths { get; init; } = [];

    /// <summary>Gets the host globs every URL argument must match, e.g. <c>*.example.com</c> (config <c>allowed_hosts</c>, lower case); empty means no restriction by host.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Gets a value indicating whether URL arguments may reach loopback, private, link-local, CGNAT, multicast, unspecified or cloud-metadata addresses (config <c>allow_private_network</c>, default false).</summary>
    public bool AllowPrivateNetwork { get; init; }

    /// <summary>Gets the URL schemes URL arguments may use (config <c>allowed_schemes</c>, lower case); empty means <c>http</c> and <c>https</c>.</summary>
    public IReadOnlyList<string> AllowedSchemes { get; init; } = [];

    /// <summary>Gets the per-tool overrides, by downstream tool name (config <c>tools</c>).</summary>
    public IReadOnlyDictionary<string, ToolProfile> Tools { get; init; } = ReadOnlyDictionary<string, ToolProfile>.Empty;

    /// <summary>Gets the largest size in UTF-8 bytes of one call's arguments (config <c>max_argument_bytes</c>); null for <see cref="GatewaySettings.MaxArgumentBytes"/>.</summary>
    public int? MaxArgumentBytes { get; init; }

    /// <summary>Gets the largest length in characters of one string value (config <c>max_string_length</c>); null for <see cref="GatewaySettings.MaxStringLength"/>.</summary>
    public int? MaxStringLength { get; init; }

    /// <summary>Gets the deepest nesting of arrays and objects in one call's arguments (config <c>max_argument_depth</c>); null for <see cref="GatewaySettings.MaxArgumentDepth"/>.</summary>
    public int? MaxArgumentDepth { get; init; }

    /// <summary>Gets a value indicating whether secrets and the configured PII are redacted from this server's tool results on their way to the client (config <c>redact_results</c>, default false).</summary>
    public bool RedactResults { get; init; }

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
        && RequireAuthentication == other.RequireAuthentication
        && AllowedPaths.SequenceEqual(other.AllowedPaths, StringComparer.Ordinal)
        && AllowedHosts.SequenceEqual(other.AllowedHosts, StringComparer.Ordinal)
        && AllowPrivateNetwork == other.AllowPrivateNetwork
        && AllowedSchemes.SequenceEqual(other.AllowedSchemes, StringComparer.Ordinal)
        && Tools.Count == other.Tools.Count
        && Tools.All(pair => other.Tools.TryGetValue(pair.Key, out var tool) && pair.Value.Equals(tool))
        && MaxArgumentBytes == other.MaxArgumentBytes
        && MaxStringLength == other.MaxStringLength
        && MaxArgumentDepth == other.MaxArgumentDepth
        && RedactResults == other.RedactResults;

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
        hash.Add(AllowedPaths.Count);
        hash.Add(AllowedHosts.Count);
        hash.Add(AllowPrivateNetwork);
        hash.Add(Tools.Count);
        hash.Add(MaxArgumentBytes);
        hash.Add(MaxStringLength);
        hash.Add(MaxArgumentDepth);
        hash.Add(RedactResults);
        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("RiskLevel = ").Append(RiskLevel)
            .Append(", AllowedOperations = [").Append(string.Join(", ", AllowedOperations)).Append(']')
            .Append(", MaxConcurrentOperations = ").Append(MaxConcurrentOperations)
            .Append(", AllowedFileExtensions = [").Append(string.Join(", ", AllowedFileExtensions)).Append(']')
            .Append(", RateLimit = ").Append(RateLimit)
            .Append(", RequireAuthentication = ").Append(RequireAuthentication)
            .Append(", AllowedPaths = [").Append(string.Join(", ", AllowedPaths)).Append(']')
            .Append(", AllowedHosts = [").Append(string.Join(", ", AllowedHosts)).Append(']')
            .Append(", AllowPrivateNetwork = ").Append(AllowPrivateNetwork)
            .Append(", AllowedSchemes = [").Append(string.Join(", ", AllowedSchemes)).Append(']')
            .Append(", Tools = [").Append(string.Join(", ", Tools.Keys)).Append(']')
            .Append(", MaxArgumentBytes = ").Append(MaxArgumentBytes)
            .Append(", MaxStringLength = ").Append(MaxStringLength)
            .Append(", MaxArgumentDepth = ").Append(MaxArgumentDepth)
            .Append(", RedactResults = ").Append(RedactResults);
        return true;
    }
}
