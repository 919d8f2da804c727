using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Telemetry;

namespace McpFoundation.Configuration.Sections;

/// <summary>The <c>telemetry</c> section: the OTLP exporter, the Prometheus endpoint and the log format (docs/observability.md).</summary>
internal sealed class TelemetrySectionValidator : SectionValidator<TelemetrySection>, IConfigSection
{
    public const string SectionKey = "telemetry";
    private static readonly string[] Protocols = ["grpc", "http/protobuf"];
    private static readonly string[] Formats = ["text", "json"];

    public TelemetrySectionValidator()
        : base(ConfigurationJsonContext.Default.TelemetrySection)
    {
    }

    public string Key => SectionKey;

    public override string Description => "Metrics, traces and logs of the gateway itself (see docs/observability.md).";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"telemetry\": {\"prometheus\": true, \"log_format\": \"json\"}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        TelemetrySection section = value is { } element ? Bind(element, Key, context.Reader)?.Value ?? new() : new TelemetrySection();
        LogFormat format = string.Equals(section.LogFormat, "json", StringComparison.OrdinalIgnoreCase) ? LogFormat.Json : LogFormat.Text;
        if (context.Environment.TryGetValue(TelemetrySettings.LogFormatVariable, out string? variable) && !string.IsNullOrWhiteSpace(variable))
        {
            if (Formats.FirstOrDefault(f => string.Equals(f, variable.Trim(), StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                format = known == "json" ? LogFormat.Json : LogFormat.Text;
            }
            else
            {
                context.Reader.Diagnostics.Error(TelemetrySettings.LogFormatVariable, $"must be text or json, not '{variable}'");
            }
        }

        return new TelemetrySettings
        {
            OtlpEndpoint = section.OtlpEndpoint is { } endpoint ? new Uri(endpoint) : null,
            OtlpProtocol = section.OtlpProtocol ?? "grpc",
            Prometheus = section.Prometheus ?? false,
            LogFormat = format,
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["otlp_endpoint"] = HttpUrl(
            "Where traces and metrics are exported with OTLP, e.g. \"http://127.0.0.1:4317\" (a collector); none when not set.",
            "http://127.0.0.1:4317"),
        ["otlp_protocol"] = FieldRule.Choice("The OTLP protocol: grpc (default, port 4317) or http/protobuf (port 4318).", Protocols, "must be grpc or http/protobuf"),
        ["prometheus"] = FieldRule.Boolean("Serve Prometheus metrics at /metrics on the HTTP front (default false).", true),
        ["log_format"] = FieldRule.Choice($"How mcpf serve writes its log on stderr: text (default) or json (one object per line, with the correlation id). {TelemetrySettings.LogFormatVariable}.", Formats, "must be text or json"),
    };

    /// <summary>An absolute http or https URL.</summary>
    internal static FieldRule HttpUrl(string description, string example) => new(
        description,
        (value, field) =>
        {
            if (value.ValueKind == JsonValueKind.String
                && Uri.TryCreate(value.GetString(), UriKind.Absolute, out Uri? uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return JsonValue.Create(uri.OriginalString);
            }

            field.Reader.Diagnostics.Error(field.Path, $"must be an absolute http or https URL, e.g. \"{field.Name}\": \"{example}\"");
            return null;
        },
        () => new JsonObject { ["format"] = "uri", ["examples"] = new JsonArray(example) });
}
