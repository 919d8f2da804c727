namespace McpFoundation.Security.Approval;

/// <summary>The <c>approval</c> section of the configuration, validated.</summary>
internal sealed record ApprovalSettings
{
    /// <summary>The default of <see cref="Timeout"/>, in seconds.</summary>
    public const int DefaultTimeoutSeconds = 120;

    /// <summary>Gets the settings of a file without an <c>approval</c> section.</summary>
    public static ApprovalSettings Default { get; } = new();

    /// <summary>Gets how long a user has to answer an approval request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);
}
