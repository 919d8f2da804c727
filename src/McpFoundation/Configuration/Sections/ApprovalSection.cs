namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The <c>approval</c> object as written in the file; <see langword="null"/> means not set. Validated by
/// <see cref="ApprovalSectionValidator"/>, which turns it into <see cref="Security.Approval.ApprovalSettings"/>.
/// </summary>
internal sealed record ApprovalSection
{
    public double? Timeout { get; init; }
}
