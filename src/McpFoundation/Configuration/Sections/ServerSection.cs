namespace McpFoundation.Configuration.Sections;

/// <summary>
/// One server object under <c>servers</c> (or <c>mcpServers</c>) as written; <see langword="null"/> means not set.
/// Validated by <see cref="ServerSectionValidator"/>, which turns it into a <see cref="ServerDefinition"/>.
/// </summary>
internal sealed record ServerSection
{
    public string? Transport { get; init; }

    public string? Type { get; init; }

    /// <summary>Gets the executable and its arguments (a single string in the file is read as a one-item list).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    public IReadOnlyList<string>? Args { get; init; }

    public string? Url { get; init; }

    public IReadOnlyDictionary<string, string>? Env { get; init; }

    public string? Cwd { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public bool? Enabled { get; init; }

    public double? Timeout { get; init; }

    public double? ConnectTimeout { get; init; }

    public bool? InheritEnv { get; init; }

    public SecurityProfileSection? SecurityProfile { get; init; }
}
