namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The registry of the configuration file's top-level sections. A feature adds its section with one line in
/// <see cref="All"/> (after writing its record and its validator); the reader, the unknown-field check and the JSON
/// Schema (<c>mcpf config schema</c>) all follow this list. <see cref="Settings"/> is always read first.
/// </summary>
internal static class ConfigSections
{
    public static SettingsSectionValidator Settings { get; } = new();

    public static NamespacingSection Namespacing { get; } = new();

    public static ServersSection Servers { get; } = new(new ServerSectionValidator(new SecurityProfileSectionValidator()));

    public static Security.Policy.PolicySectionValidator Policy { get; } = new();

    public static ApprovalSectionValidator Approval { get; } = new();

    public static TelemetrySectionValidator Telemetry { get; } = new();

    public static EventsSectionValidator Events { get; } = new();

    public static AuditSectionValidator Audit { get; } = new();

    public static Security.Limits.LimitsSectionValidator Limits { get; } = new();

    public static Security.Adaptive.AdaptiveSectionValidator Adaptive { get; } = new();

    public static Emergency.EmergencySectionValidator Emergency { get; } = new();

    public static HttpSectionValidator Http { get; } = new();

    /// <summary>Gets every top-level section, in reading order (which is also the order of their errors).</summary>
    public static IReadOnlyList<IConfigSection> All { get; } =
    [
        Settings,
        Namespacing,
        Servers,
        Policy, // after servers: its rules are checked against the configured servers.
        Approval,
        Emergency,
        Telemetry,
        Events,
        Audit,
        Limits,
        Adaptive,
        Http,
    ];
}
