using System.Text.Json.Serialization;

namespace McpFoundation.Audit;

/// <summary>The source-generated JSON of the trail's exports and reports (snake case, nulls left out).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(AuditVerificationResult))]
[JsonSerializable(typeof(List<AuditToolStatistics>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class AuditJsonContext : JsonSerializerContext
{
}
