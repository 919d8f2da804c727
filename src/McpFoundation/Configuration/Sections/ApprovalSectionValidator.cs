using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Security.Approval;

namespace McpFoundation.Configuration.Sections;

/// <summary>The <c>approval</c> section: how long the gateway waits for a user to approve a call a policy <c>ask</c> holds.</summary>
internal sealed class ApprovalSectionValidator : SectionValidator<ApprovalSection>, IConfigSection
{
    internal const double MaxTimeoutSeconds = 3600;

    public ApprovalSectionValidator()
        : base(ConfigurationJsonContext.Default.ApprovalSection)
    {
    }

    public string Key => "approval";

    public override string Description =>
        "Approval of calls a policy rule with \"effect\": \"ask\" holds (see docs/approval.md).";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"approval\": {\"timeout\": 120}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        ApprovalSection section = value is { } element ? Bind(element, Key, context.Reader)?.Value ?? new() : new ApprovalSection();
        return section.Timeout is { } seconds ? new ApprovalSettings { Timeout = TimeSpan.FromSeconds(seconds) } : ApprovalSettings.Default;
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["timeout"] = FieldRule.Seconds(
            $"Seconds a user has to answer an approval request (default {ApprovalSettings.DefaultTimeoutSeconds}): a session client's elicitation is refused after it, a stateless client's approval state expires after it.",
            MaxTimeoutSeconds,
            ApprovalSettings.DefaultTimeoutSeconds),
    };
}
