using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Front.Frames;

namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The <c>http</c> section: limits on what a client may send, checked before a message is parsed (the HTTP front and,
/// for the JSON limits, the stdio front), and the Kestrel limits against slow clients (see docs/configuration.md).
/// </summary>
internal sealed class HttpSectionValidator : SectionValidator<HttpSection>, IConfigSection
{
    internal const int MaxRequestBytesCeiling = 256 * 1024 * 1024;

    public HttpSectionValidator()
        : base(ConfigurationJsonContext.Default.HttpSection)
    {
    }

    public string Key => HttpFrontSettings.SectionKey;

    public override string Description =>
        "Limits on what clients send: the largest message, the deepest JSON, the longest string and array (both fronts), and the HTTP front's limits against slow clients. Read when the gateway starts.";

    protected override string NotAnObjectMessage => "must be an object, e.g. \"http\": {\"max_request_bytes\": 4194304}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element || Bind(element, Key, context.Reader)?.Value is not { } section)
        {
            return HttpFrontSettings.Default;
        }

        HttpFrontSettings defaults = HttpFrontSettings.Default;
        return new HttpFrontSettings
        {
            Frames = new FrameLimits
            {
                MaxBytes = section.MaxRequestBytes ?? FrameLimits.DefaultMaxBytes,
                MaxDepth = section.MaxJsonDepth ?? FrameLimits.DefaultMaxDepth,
                MaxStringLength = section.MaxStringLength ?? FrameLimits.DefaultMaxStringLength,
                MaxArrayItems = section.MaxArrayItems ?? FrameLimits.DefaultMaxArrayItems,
            },
            RequestHeadersTimeout = section.RequestHeadersTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.RequestHeadersTimeout,
            MinRequestBodyBytesPerSecond = section.MinRequestBodyBytesPerSecond ?? defaults.MinRequestBodyBytesPerSecond,
            MaxRequestHeaderBytes = section.MaxRequestHeaderBytes ?? defaults.MaxRequestHeaderBytes,
            MaxRequestHeaders = section.MaxRequestHeaders ?? defaults.MaxRequestHeaders,
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["max_request_bytes"] = FieldRule.WholeNumber(
            $"The largest message in bytes (an HTTP request body, a stdio line; default {FrameLimits.DefaultMaxBytes}, 4 MiB). Larger HTTP bodies get 413 with -31065.",
            1024,
            MaxRequestBytesCeiling,
            FrameLimits.DefaultMaxBytes),
        ["max_json_depth"] = FieldRule.WholeNumber(
            $"The deepest nesting of JSON objects and arrays in a message (default {FrameLimits.DefaultMaxDepth}, which is also the most the MCP SDK reads); deeper messages get -31066.",
            2,
            FrameLimits.DefaultMaxDepth,
            FrameLimits.DefaultMaxDepth),
        ["max_string_length"] = FieldRule.WholeNumber(
            $"The longest string value or property name in a message, in bytes as sent (default {FrameLimits.DefaultMaxStringLength}, 1 MiB); longer ones get -31066.",
            64,
            MaxRequestBytesCeiling,
            FrameLimits.DefaultMaxStringLength),
        ["max_array_items"] = FieldRule.WholeNumber(
            $"The most items in one JSON array of a message (default {FrameLimits.DefaultMaxArrayItems}); longer arrays get -31066.",
            1,
            int.MaxValue,
            FrameLimits.DefaultMaxArrayItems),
        ["request_headers_timeout"] = FieldRule.Seconds(
            $"Seconds a client has to send a request's headers (default {HttpFrontSettings.DefaultRequestHeadersTimeoutSeconds}); slower connections are closed (slowloris).",
            300,
            HttpFrontSettings.DefaultRequestHeadersTimeoutSeconds),
        ["min_request_body_bytes_per_second"] = FieldRule.WholeNumber(
            $"The slowest a request body may arrive, in bytes per second after a 5 s grace period (default {HttpFrontSettings.DefaultMinRequestBodyBytesPerSecond}); slower clients are cut off.",
            1,
            int.MaxValue,
            HttpFrontSettings.DefaultMinRequestBodyBytesPerSecond),
        ["max_request_header_bytes"] = FieldRule.WholeNumber(
            $"The largest total size of a request's headers in bytes (default {HttpFrontSettings.DefaultMaxRequestHeaderBytes}); larger get 431.",
            1024,
            1024 * 1024,
            HttpFrontSettings.DefaultMaxRequestHeaderBytes),
        ["max_request_headers"] = FieldRule.WholeNumber(
            $"The most headers a request may have (default {HttpFrontSettings.DefaultMaxRequestHeaders}); more get 431.",
            8,
            1000,
            HttpFrontSettings.DefaultMaxRequestHeaders),
    };
}
