namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The <c>settings</c> object as written in the file (before <c>MCP_*</c> overrides); <see langword="null"/> means not
/// set. Validated by <see cref="SettingsSectionValidator"/>, which turns it into <see cref="GatewaySettings"/>.
/// </summary>
internal sealed record SettingsSection
{
    public int? MaxServers { get; init; }

    public double? DefaultTimeout { get; init; }

    public double? ConnectTimeout { get; init; }

    public double? HealthCheckInterval { get; init; }

    public string? LogLevel { get; init; }

    public bool? EnableStrictValidation { get; init; }

    public double? EmergencyStopTimeout { get; init; }

    public int? AuditLogRetention { get; init; }

    public int? MaxArgumentBytes { get; init; }

    public int? MaxStringLength { get; init; }

    public int? MaxArgumentDepth { get; init; }

    public string? DataDir { get; init; }
}
