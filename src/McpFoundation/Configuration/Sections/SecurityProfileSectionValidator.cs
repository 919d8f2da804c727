using System.Text.Json.Nodes;

namespace McpFoundation.Configuration.Sections;

/// <summary>A server's <c>security_profile</c>: binds <see cref="SecurityProfileSection"/> and builds <see cref="SecurityProfile"/>.</summary>
internal sealed class SecurityProfileSectionValidator : SectionValidator<SecurityProfileSection>
{
    public SecurityProfileSectionValidator()
        : base(ConfigurationJsonContext.Default.SecurityProfileSection)
    {
    }

    public override string Description =>
        "Limits meant for this server. Accepted and validated, but NOT ENFORCED YET: the policy engine, limits, risk scoring and authentication are later releases (mcpf config check warns).";

    protected override string NotAnObjectMessage =>
        "must be an object, e.g. \"security_profile\": {\"risk_level\": \"medium\", \"allowed_operations\": [\"read\"]}";

    /// <summary>Builds the public model from the bound section.</summary>
    public static SecurityProfile ToModel(SecurityProfileSection section) => new()
    {
        RiskLevel = section.RiskLevel,
        AllowedOperations = section.AllowedOperations ?? [],
        MaxConcurrentOperations = section.MaxConcurrentOperations,
        AllowedFileExtensions = section.AllowedFileExtensions ?? [],
        RateLimit = section.RateLimit,
        RequireAuthentication = section.RequireAuthentication ?? false,
    };

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["risk_level"] = FieldRule.Choice(
            "How risky the server's tools are: low, medium, high or critical (any case). Not enforced yet.",
            SecurityProfile.RiskLevels,
            "must be \"low\", \"medium\", \"high\" or \"critical\", e.g. \"risk_level\": \"medium\""),
        ["allowed_operations"] = new FieldRule(
            "Operation names the server may perform, e.g. [\"read\", \"list\"]; empty means no restriction. Not enforced yet.",
            (value, field) => Strings(field.Reader.ReadStringList(
                value,
                field.Path,
                allowEmptyItems: false,
                "must be an array of operation names, e.g. \"allowed_operations\": [\"read\", \"list\"]",
                "must be a non-empty string naming an operation, e.g. \"read\"")),
            () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["pattern"] = "\\S" } }),
        ["max_concurrent_operations"] = FieldRule.WholeNumber(
            "Calls to the server that may run at once. Not enforced yet.", 1, ConfigurationReader.MaxConcurrentOperationsLimit, 5),
        ["allowed_file_extensions"] = new FieldRule(
            "File extensions the server's tools may touch, each starting with \".\", e.g. [\".txt\"]. Not enforced yet.",
            (value, field) =>
            {
                var before = field.Reader.Diagnostics.ErrorCount;
                var items = field.Reader.ReadExtensions(value, field.Path);
                return field.Reader.Diagnostics.ErrorCount == before ? Strings(items) : null;
            },
            () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["pattern"] = "^\\.[^/\\\\*?]*[^/\\\\*?\\s][^/\\\\*?]*$" } }),
        ["rate_limit"] = FieldRule.WholeNumber(
            "Calls per minute allowed to the server. Not enforced yet.", 1, ConfigurationReader.MaxRateLimit, 100),
        ["require_authentication"] = FieldRule.Boolean(
            "Callers must be authenticated to use the server (default false). Not enforced yet.", example: true),
    };

    internal static JsonArray? Strings(IEnumerable<string>? items) =>
        items is null ? null : new JsonArray([.. items.Select(item => (JsonNode?)JsonValue.Create(item))]);
}
