namespace McpFoundation.Emergency;

/// <summary>
/// The top-level <c>emergency</c> object as written; <see langword="null"/> means not set. Validated by
/// <see cref="EmergencySectionValidator"/>, which turns it into <see cref="EmergencySettings"/>.
/// </summary>
internal sealed record EmergencySection
{
    public bool? KillServers { get; init; }

    public string? StopFile { get; init; }

    public EmergencyAdminSection? Admin { get; init; }
}

/// <summary>The <c>emergency.admin</c> object as written: the admin HTTP API's key and reach.</summary>
internal sealed record EmergencyAdminSection
{
    public string? Key { get; init; }

    public bool? AllowRemote { get; init; }
}
