using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McpFoundation.Configuration.Sections;

/// <summary>A server's <c>security_profile</c>: binds <see cref="SecurityProfileSection"/> and builds <see cref="SecurityProfile"/>.</summary>
internal sealed partial class SecurityProfileSectionValidator : SectionValidator<SecurityProfileSection>
{
    private readonly ToolProfileSectionValidator _tool = new();

    public SecurityProfileSectionValidator()
        : base(ConfigurationJsonContext.Default.SecurityProfileSection)
    {
    }

    public override string Description =>
        "Limits the gateway enforces on this server's tool calls: operation classes, paths, hosts, file extensions, argument sizes, authentication (see docs/security-profile.md). risk_level, max_concurrent_operations and rate_limit are accepted but not enforced yet (mcpf config check warns).";

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
        AllowedPaths = section.AllowedPaths ?? [],
        AllowedHosts = [.. (section.AllowedHosts ?? []).Select(host => host.ToLowerInvariant())],
        AllowPrivateNetwork = section.AllowPrivateNetwork ?? false,
        AllowedSchemes = [.. (section.AllowedSchemes ?? []).Select(scheme => scheme.ToLowerInvariant())],
        Tools = section.Tools is { } tools
            ? new ReadOnlyDictionary<string, ToolProfile>(tools.ToDictionary(pair => pair.Key, pair => ToolProfileSectionValidator.ToModel(pair.Value), StringComparer.Ordinal))
            : ReadOnlyDictionary<string, ToolProfile>.Empty,
        MaxArgumentBytes = section.MaxArgumentBytes,
        MaxStringLength = section.MaxStringLength,
        MaxArgumentDepth = section.MaxArgumentDepth,
        RedactResults = section.RedactResults ?? false,
    };

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["risk_level"] = FieldRule.Choice(
            "How risky the server's tools are: low, medium, high or critical (any case). Not enforced yet.",
            SecurityProfile.RiskLevels,
            "must be \"low\", \"medium\", \"high\" or \"critical\", e.g. \"risk_level\": \"medium\""),
        ["allowed_operations"] = new FieldRule(
            "Operation classes the server's tools may perform: read, write, list, delete, execute, network; empty means no restriction. A tool is classified from its annotations, name and description (or security_profile.tools); one that cannot be classified counts as write.",
            ReadOperations,
            () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["pattern"] = FieldRule.CaseInsensitiveChoicePattern(ToolProfile.Operations) } }),
        ["max_concurrent_operations"] = FieldRule.WholeNumber(
            "Calls to the server that may run at once. Not enforced yet.", 1, ConfigurationReader.MaxConcurrentOperationsLimit, 5),
        ["allowed_file_extensions"] = new FieldRule(
            "File extensions every path argument must have after canonicalization, each starting with \".\", e.g. [\".txt\"] (case-insensitive; the directory argument of a list tool is exempt).",
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
            "Callers must be authenticated to use the server (default false); the stdio front's local user and a library call's named user count as authenticated.", example: true),
        ["allowed_paths"] = new FieldRule(
            "Roots every path argument must resolve inside (after decoding, .. and symlinks); relative entries resolve against the configuration file's directory. Empty means no restriction by path.",
            (value, field) => Strings(field.Reader.ReadStringList(
                value,
                field.Path,
                allowEmptyItems: false,
                "must be an array of directories, e.g. \"allowed_paths\": [\"/srv/data\", \"./workspace\"]",
                "must be a non-empty directory path without NUL, e.g. \"/srv/data\"")),
            () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["pattern"] = "\\S" } }),
        ["allowed_hosts"] = new FieldRule(
            "Host names (or globs such as *.example.com) every URL argument must match; empty means no restriction by host.",
            ReadHosts,
            () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["pattern"] = HostGlobPattern } }),
        ["allow_private_network"] = FieldRule.Boolean(
            "URL arguments may reach loopback, private, link-local, CGNAT, multicast, unspecified and cloud-metadata addresses (default false).", example: false),
        ["allowed_schemes"] = new FieldRule(
            "URL schemes URL arguments may use; empty means http and https.",
            ReadSchemes,
            () => new JsonObject { ["items"] = new JsonObject { ["type"] = "string", ["pattern"] = SchemePattern } }),
        ["tools"] = new FieldRule(
            "Per-tool overrides by downstream tool name: {\"operation\": ..., \"arguments\": {\"<arg>\": \"path|url|command|text\"}, \"allow_shell\": false}.",
            ReadTools,
            () => new JsonObject { ["additionalProperties"] = _tool.Schema() }),
        ["max_argument_bytes"] = FieldRule.WholeNumber(
            "This server's limit on the UTF-8 size of one call's arguments (default settings.max_argument_bytes).", 1, SettingsSectionValidator.MaxArgumentBytesLimit, 1048576),
        ["max_string_length"] = FieldRule.WholeNumber(
            "This server's limit on the length of one string argument value (default settings.max_string_length).", 1, SettingsSectionValidator.MaxArgumentBytesLimit, 262144),
        ["max_argument_depth"] = FieldRule.WholeNumber(
            "This server's limit on the nesting of arrays and objects in one call's arguments (default settings.max_argument_depth).", 1, SettingsSectionValidator.MaxArgumentDepthLimit, 32),
        ["redact_results"] = FieldRule.Boolean(
            "Redact secrets (API keys, tokens, passwords, private keys, connection strings, JWTs) and the PII of audit.redact_pii from this server's tool results before the client sees them (default false; see docs/audit.md).", false),
    };

    private const string HostGlobPattern = "^(\\*|(\\*\\.)?[A-Za-z0-9\\u0080-\\uFFFF]([A-Za-z0-9\\u0080-\\uFFFF-]*[A-Za-z0-9\\u0080-\\uFFFF])?(\\.[A-Za-z0-9\\u0080-\\uFFFF]([A-Za-z0-9\\u0080-\\uFFFF-]*[A-Za-z0-9\\u0080-\\uFFFF])?)*)$";

    private const string SchemePattern = "^[A-Za-z][A-Za-z0-9+.-]*$";

    private static JsonArray? ReadOperations(JsonElement value, FieldContext field)
    {
        var items = field.Reader.ReadStringList(
            value,
            field.Path,
            allowEmptyItems: false,
            "must be an array of operation classes, e.g. \"allowed_operations\": [\"read\", \"list\"]",
            "must be a non-empty string naming an operation class: read, write, list, delete, execute or network");
        if (items is null)
        {
            return null;
        }

        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var known = ToolProfile.Operations.FirstOrDefault(operation => string.Equals(operation, items[i].Trim(), StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                field.Reader.Diagnostics.Error($"{field.Path}[{i}]", "must name an operation class: read, write, list, delete, execute or network");
                ok = false;
            }
            else
            {
                items[i] = known;
            }
        }

        return ok ? Strings(items) : null;
    }

    private static JsonArray? ReadHosts(JsonElement value, FieldContext field)
    {
        var items = field.Reader.ReadStringList(
            value,
            field.Path,
            allowEmptyItems: false,
            "must be an array of host names or globs, e.g. \"allowed_hosts\": [\"api.example.com\", \"*.example.org\"]",
            "must be a host name or glob, e.g. \"*.example.com\"");
        if (items is null)
        {
            return null;
        }

        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            if (!HostGlob().IsMatch(items[i]))
            {
                field.Reader.Diagnostics.Error($"{field.Path}[{i}]", "must be a host name or a glob such as \"*.example.com\", without scheme, port or path (it is not an URL)");
                ok = false;
            }
        }

        return ok ? Strings(items) : null;
    }

    private static JsonArray? ReadSchemes(JsonElement value, FieldContext field)
    {
        var items = field.Reader.ReadStringList(
            value,
            field.Path,
            allowEmptyItems: false,
            "must be an array of URL schemes, e.g. \"allowed_schemes\": [\"https\"]",
            "must be a URL scheme, e.g. \"https\"");
        if (items is null)
        {
            return null;
        }

        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            if (!Scheme().IsMatch(items[i]))
            {
                field.Reader.Diagnostics.Error($"{field.Path}[{i}]", "must be a URL scheme without \":\" or \"//\", e.g. \"https\"");
                ok = false;
            }
        }

        return ok ? Strings(items) : null;
    }

    private JsonObject? ReadTools(JsonElement value, FieldContext field)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            field.Reader.Diagnostics.Error(field.Path, "must be an object keyed by downstream tool name, e.g. \"tools\": {\"read_file\": {\"operation\": \"read\"}}");
            return null;
        }

        var before = field.Reader.Diagnostics.ErrorCount;
        var result = new JsonObject();
        foreach (var property in field.Reader.Properties(value, field.Path))
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (_tool.Bind(property.Value, ConfigurationReader.Join(field.Path, property.Name), field.Reader) is { } bound)
            {
                result[property.Name] = bound.Json;
            }
        }

        return field.Reader.Diagnostics.ErrorCount == before ? result : null;
    }

    [GeneratedRegex(HostGlobPattern, RegexOptions.CultureInvariant)]
    private static partial Regex HostGlob();

    [GeneratedRegex(SchemePattern, RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    internal static JsonArray? Strings(IEnumerable<string>? items) =>
        items is null ? null : new JsonArray([.. items.Select(item => (JsonNode?)JsonValue.Create(item))]);
}
