using System.Text.Json.Serialization;

namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The source-generated System.Text.Json metadata of every configuration section record. A section's record is bound
/// with it (no reflection), its property names are the JSON field names (snake case) and the file's JSON Schema is
/// exported from it. A new section adds its record here with one <c>[JsonSerializable]</c> line.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SettingsSection))]
[JsonSerializable(typeof(ServerSection))]
[JsonSerializable(typeof(SecurityProfileSection))]
[JsonSerializable(typeof(ApprovalSection))]
[JsonSerializable(typeof(TelemetrySection))]
[JsonSerializable(typeof(EventsSection))]
[JsonSerializable(typeof(AuditSection))]
[JsonSerializable(typeof(Emergency.EmergencySection))]
[JsonSerializable(typeof(Emergency.EmergencyAdminSection))]
[JsonSerializable(typeof(HttpSection))]
[JsonSerializable(typeof(ToolProfileSection))]
[JsonSerializable(typeof(Security.Limits.LimitsSection))]
[JsonSerializable(typeof(Security.Adaptive.AdaptiveSection))]
[JsonSerializable(typeof(Security.Limits.LimitRuleSection))]
[JsonSerializable(typeof(Security.Limits.LimitQueueSection))]
[JsonSerializable(typeof(Security.Policy.PolicySection))]
[JsonSerializable(typeof(Security.Policy.PolicyRuleSection))]
[JsonSerializable(typeof(Security.Policy.PolicyWhenSection))]
[JsonSerializable(typeof(Security.Policy.PolicyPathConditionSection))]
[JsonSerializable(typeof(Security.Policy.PolicyUrlConditionSection))]
[JsonSerializable(typeof(Security.Policy.PolicyArgumentConditionSection))]
internal sealed partial class ConfigurationJsonContext : JsonSerializerContext;
