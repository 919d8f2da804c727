namespace McpFoundation.Configuration;

/// <summary>The outcome of parsing or loading a configuration: the configuration, or every error found.</summary>
/// <param name="Configuration">The parsed configuration; <see langword="null"/> whenever <paramref name="Errors"/> is not empty.</param>
/// <param name="Errors">Every error found, in document order. The configuration must not be used when there is any.</param>
/// <param name="Warnings">Problems that do not stop the configuration from being used but should be logged.</param>
public sealed record ConfigurationLoadResult(
    GatewayConfiguration? Configuration,
    IReadOnlyList<ConfigurationError> Errors,
    IReadOnlyList<ConfigurationError> Warnings)
{
    /// <summary>Gets a value indicating whether no error was found (warnings allowed).</summary>
    public bool IsValid => Errors.Count == 0;
}
