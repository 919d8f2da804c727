using System.Collections.ObjectModel;
using System.Text.Json;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Configuration;

/// <summary>
/// Reads a configuration <see cref="JsonDocument"/>: the document-level rules (the two formats, <c>$schema</c>,
/// unknown top-level keys) and the value readers the sections' field rules share, each of which reports a problem
/// with its JSON path and what to write. Each top-level key is read by its section (<see cref="ConfigSections"/>).
/// Never puts the value of an <c>env</c> or <c>headers</c> entry in a message.
/// </summary>
internal sealed class ConfigurationReader
{
    /// <summary>The largest per-call timeout, in seconds, for <c>timeout</c> and <c>default_timeout</c>.</summary>
    public const double MaxCallTimeoutSeconds = 3600;

    /// <summary>The largest <c>max_concurrent_operations</c>.</summary>
    public const int MaxConcurrentOperationsLimit = 1000;

    /// <summary>The largest <c>rate_limit</c>, in calls per minute.</summary>
    public const int MaxRateLimit = 100_000;

    /// <summary>The top-level key of a Claude Desktop file, read by the servers section.</summary>
    public const string ClaudeServersKey = "mcpServers";

    /// <summary>The top-level key editors read the schema's address from; always allowed and ignored.</summary>
    public const string SchemaKey = "$schema";

    internal const string CommandExample = "[\"npx\", \"-y\", \"some-mcp-server\"]";
    internal const string UrlExample = "\"https://api.example.com/mcp\"";

    private readonly ConfigurationDiagnostics _diagnostics;

    public ConfigurationReader(ConfigurationDiagnostics diagnostics)
    {
        _diagnostics = diagnostics;
    }

    internal static JsonDocumentOptions DocumentOptions { get; } = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    /// <summary>Gets the known top-level keys: <c>$schema</c>, every section's key, and <c>mcpServers</c>.</summary>
    internal static IReadOnlyList<string> RootFields { get; } =
        [SchemaKey, .. ConfigSections.All.Select(section => section.Key), ClaudeServersKey];

    public ConfigurationDiagnostics Diagnostics => _diagnostics;

    public static string Join(string parent, string child) => parent.Length == 0 ? child : parent + "." + child;

    /// <summary>Parses a whole configuration document.</summary>
    public static ConfigurationLoadResult ParseDocument(string json, IReadOnlyDictionary<string, string?> environment, string? sourcePath)
    {
        var diagnostics = new ConfigurationDiagnostics();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException exception)
        {
            diagnostics.Error("$", DescribeSyntaxError(exception));
            return diagnostics.Finish(null, strict: true);
        }

        using (document)
        {
            var reader = new ConfigurationReader(diagnostics);
            var configuration = reader.ReadRoot(document.RootElement, environment, sourcePath, out var strict);
            return diagnostics.Finish(configuration, strict);
        }
    }

    /// <summary>Parses one server definition on its own, as <c>servers.&lt;name&gt;</c>.</summary>
    public static ConfigurationLoadResult ParseSingleServer(string name, JsonElement element, GatewaySettings settings)
    {
        var diagnostics = new ConfigurationDiagnostics();
        var reader = new ConfigurationReader(diagnostics);
        var path = Join(ConfigSections.Servers.Key, name);
        reader.ValidateServerName(name, path);
        var server = ConfigSections.Servers.Server.ReadServer(name, element, path, reader);
        var servers = new OrderedDictionary<string, ServerDefinition>(StringComparer.Ordinal) { [name] = server };
        var configuration = new GatewayConfiguration
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(servers),
            Settings = settings,
        };
        return diagnostics.Finish(configuration, settings.EnableStrictValidation);
    }

    public IEnumerable<JsonProperty> Properties(JsonElement element, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                _diagnostics.Error(Join(path, property.Name), "is defined more than once in the same object; keep only one");
                continue;
            }

            yield return property;
        }
    }

    public int? ReadWholeNumber(JsonElement value, string path, string field, int min, int max, int example)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        _diagnostics.Error(path, $"must be a whole number from {min} to {max}, e.g. \"{field}\": {example}");
        return null;
    }

    public TimeSpan? ReadSeconds(JsonElement value, string path, string field, double maxSeconds, int example)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && seconds > 0 && seconds <= maxSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        _diagnostics.Error(path, $"must be a number of seconds greater than 0 and at most {maxSeconds}, e.g. \"{field}\": {example}");
        return null;
    }

    public bool? ReadBoolean(JsonElement value, string path, string field, bool example)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                _diagnostics.Error(path, $"must be true or false, without quotes, e.g. \"{field}\": {(example ? "true" : "false")}");
                return null;
        }
    }

    public void ValidateServerName(string name, string path)
    {
        if (name.Length == 0)
        {
            _diagnostics.Error(path, "has an empty server name; name the server, e.g. \"web_api\"");
        }
        else if (!IsValidServerName(name))
        {
            _diagnostics.Error(path, "is not a valid server name; use letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit, e.g. \"web_api\"");
        }
        else if (name.Contains("__", StringComparison.Ordinal))
        {
            _diagnostics.Error(path, "must not contain \"__\" (two underscores), which separates the server name from the tool name; use a single \"_\"");
        }
    }

    /// <summary>
    /// Reads the document: <c>settings</c> first (it decides strictness and holds the limits other sections check),
    /// then the unknown top-level keys, then every other section in the order of <see cref="ConfigSections.All"/>.
    /// </summary>
    public GatewayConfiguration ReadRoot(JsonElement root, IReadOnlyDictionary<string, string?> environment, string? sourcePath, out bool strict)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error("$", "must be a JSON object, e.g. {\"servers\": {}}");
            strict = true;
            return GatewayConfiguration.Empty;
        }

        var values = new Dictionary<string, JsonElement?>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var property in Properties(root, string.Empty))
        {
            if (property.Name == SchemaKey)
            {
                continue;
            }

            if (RootFields.Contains(property.Name, StringComparer.Ordinal))
            {
                values[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
            }
            else
            {
                unknown.Add(property.Name);
            }
        }

        var context = new SectionReadContext
        {
            Reader = this,
            Environment = environment,
            BaseDirectory = string.IsNullOrEmpty(sourcePath) ? null : Path.GetDirectoryName(Path.GetFullPath(sourcePath)),
        };
        var settings = (GatewaySettings)ConfigSections.Settings.Read(Value(values, ConfigSections.Settings.Key), context)!;
        context.Settings = settings;
        strict = settings.EnableStrictValidation;

        var servers = Value(values, ConfigSections.Servers.Key);
        var claudeServers = Value(values, ClaudeServersKey);
        var claudeFormat = servers is null && claudeServers is not null;
        foreach (var name in unknown)
        {
            if (claudeFormat)
            {
                _diagnostics.Warning(name, "is not a gateway field and is ignored (a Claude Desktop file may hold settings of its own)");
            }
            else
            {
                _diagnostics.UnknownField(name, name, RootFields);
            }
        }

        var sections = new Dictionary<IConfigSection, object?> { [ConfigSections.Settings] = settings };
        foreach (var section in ConfigSections.All)
        {
            if (section == ConfigSections.Settings)
            {
                continue;
            }

            if (section == ConfigSections.Servers)
            {
                var read = ReadServersSection(servers, claudeServers, context);
                sections[section] = read;
                context.Servers = (IReadOnlyDictionary<string, ServerDefinition>)read!;
                continue;
            }

            context.Key = section.Key;
            sections[section] = section.Read(Value(values, section.Key), context);
            if (section == ConfigSections.Namespacing)
            {
                context.Namespacing = (ToolNamespacing)sections[section]!;
            }
        }

        return new GatewayConfiguration
        {
            Servers = (IReadOnlyDictionary<string, ServerDefinition>)sections[ConfigSections.Servers]!,
            Namespacing = (ToolNamespacing)sections[ConfigSections.Namespacing]!,
            Settings = settings,
            SourcePath = sourcePath,
            Sections = sections.ToDictionary(pair => pair.Key.Key, pair => pair.Value, StringComparer.Ordinal),
        };
    }

    public List<string>? ReadCommand(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (string.IsNullOrWhiteSpace(text) || text.Contains('\0', StringComparison.Ordinal))
            {
                _diagnostics.Error(path, "must name the executable, e.g. \"command\": \"npx\"");
                return null;
            }

            return [text];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            _diagnostics.Error(path, $"must be an array of strings, the executable and its arguments, e.g. \"command\": {CommandExample}");
            return null;
        }

        if (value.GetArrayLength() == 0)
        {
            _diagnostics.Error(path, $"must not be empty; write the executable and its arguments, e.g. \"command\": {CommandExample}");
            return null;
        }

        var command = ReadStringList(value, path, allowEmptyItems: true, string.Empty, "must be a string; write every argument in quotes, e.g. \"--port\", \"8080\"");
        if (command is { Count: > 0 } && string.IsNullOrWhiteSpace(command[0]))
        {
            _diagnostics.Error(path + "[0]", "must name the executable, e.g. \"npx\"");
            return null;
        }

        return command;
    }

    public List<string>? ReadStringList(JsonElement value, string path, bool allowEmptyItems, string notArrayMessage, string itemMessage)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            _diagnostics.Error(path, notArrayMessage);
            return null;
        }

        var items = new List<string>();
        var ok = true;
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (text is null || (!allowEmptyItems && string.IsNullOrWhiteSpace(text)) || text.Contains('\0', StringComparison.Ordinal))
            {
                _diagnostics.Error($"{path}[{index}]", itemMessage);
                ok = false;
            }
            else
            {
                items.Add(text);
            }

            index++;
        }

        return ok ? items : null;
    }

    public Uri? ReadUrl(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String
            && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Length > 0)
        {
            if (uri.UserInfo.Length > 0)
            {
                _diagnostics.Warning(path, "contains a user name or password; move credentials to \"headers\" (e.g. \"Authorization\") so they are not logged with the URL");
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                _diagnostics.Warning(path, "uses plain http to a host that is not loopback, so requests and headers travel unencrypted; use https");
            }

            return uri;
        }

        _diagnostics.Error(path, $"must be an absolute http or https URL, e.g. {UrlExample}");
        return null;
    }

    public ReadOnlyDictionary<string, string> ReadStringMap(JsonElement value, string path, bool headers)
    {
        var map = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, headers
                ? "must be an object of header names to string values, e.g. \"headers\": {\"Authorization\": \"Bearer ...\"}"
                : "must be an object of variable names to string values, e.g. \"env\": {\"API_KEY\": \"...\"}");
            return new ReadOnlyDictionary<string, string>(map);
        }

        var headerNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in Properties(value, path))
        {
            var entryPath = Join(path, property.Name);
            if (headers ? !IsValidHeaderName(property.Name) : !IsValidEnvironmentName(property.Name))
            {
                _diagnostics.Error(entryPath, headers
                    ? "is not a valid HTTP header name; use letters, digits and \"-\", e.g. \"Authorization\""
                    : "is not a valid environment variable name; use letters, digits and \"_\", e.g. \"API_KEY\"");
                continue;
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                _diagnostics.Error(entryPath, "must be a string; put the value in quotes");
                continue;
            }

            var text = property.Value.GetString()!;
            if (headers)
            {
                if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
                {
                    _diagnostics.Error(entryPath, "must be a single line: the value contains a line break or NUL character, which could inject other headers; remove it");
                    continue;
                }

                if (!headerNames.Add(property.Name))
                {
                    _diagnostics.Error(entryPath, "repeats a header already set with different letter case (header names are case-insensitive); keep one");
                    continue;
                }
            }
            else if (text.Contains('\0', StringComparison.Ordinal))
            {
                _diagnostics.Error(entryPath, "contains a NUL character, which an environment variable cannot hold; remove it");
                continue;
            }

            map[property.Name] = text;
        }

        return new ReadOnlyDictionary<string, string>(map);
    }

    public List<string> ReadExtensions(JsonElement value, string path)
    {
        var items = ReadStringList(value, path, allowEmptyItems: true, "must be an array of file extensions, e.g. \"allowed_file_extensions\": [\".txt\", \".json\"]", "must be a file extension starting with \".\", e.g. \".txt\"");
        if (items is null)
        {
            return [];
        }

        for (var i = 0; i < items.Count; i++)
        {
            var extension = items[i];
            if (extension.Length < 2 || extension[0] != '.' || extension.AsSpan().IndexOfAny("/\\*?") >= 0 || string.IsNullOrWhiteSpace(extension[1..]))
            {
                _diagnostics.Error($"{path}[{i}]", "must be a file extension starting with \".\", e.g. \".txt\"");
            }
        }

        return items;
    }

    public static bool TryParseTransport(string text, out ServerTransport transport)
    {
        switch (text.ToUpperInvariant())
        {
            case "STDIO":
                transport = ServerTransport.Stdio;
                return true;
            case "HTTP" or "STREAMABLE-HTTP" or "STREAMABLEHTTP" or "STREAMABLE_HTTP":
                transport = ServerTransport.Http;
                return true;
            case "SSE":
                transport = ServerTransport.Sse;
                return true;
            default:
                transport = default;
                return false;
        }
    }

    private static bool IsValidServerName(string name)
    {
        if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidHeaderName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !"!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidEnvironmentName(string name) =>
        name.Length > 0 && !name.Contains('=', StringComparison.Ordinal) && !name.Contains('\0', StringComparison.Ordinal);

    private static string DescribeSyntaxError(JsonException exception)
    {
        var reason = exception.Message;
        var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            reason = reason[..cut];
        }

        reason = reason.TrimEnd(' ', '.');
        var line = (exception.LineNumber ?? 0) + 1;
        var position = (exception.BytePositionInLine ?? 0) + 1;
        return $"is not valid JSON at line {line}, position {position}: {reason}. Fix the syntax there (comments and trailing commas are allowed)";
    }

    private static JsonElement? Value(Dictionary<string, JsonElement?> values, string key) =>
        values.TryGetValue(key, out var value) ? value : null;

    /// <summary>The servers section, under <c>servers</c> (the gateway's format) or <c>mcpServers</c> (Claude Desktop's), never both.</summary>
    private object? ReadServersSection(JsonElement? servers, JsonElement? claudeServers, SectionReadContext context)
    {
        if (servers is not null && claudeServers is not null)
        {
            _diagnostics.Error("$", "has both \"servers\" and \"mcpServers\"; keep one of them (\"servers\" is the gateway's format, \"mcpServers\" the Claude Desktop one)");
        }

        if ((servers ?? claudeServers) is { } value)
        {
            context.Key = servers is not null ? ConfigSections.Servers.Key : ClaudeServersKey;
            return ConfigSections.Servers.Read(value, context);
        }

        _diagnostics.Error("$", $"must have a \"servers\" object naming the MCP servers to front, e.g. {{\"servers\": {{\"everything\": {{\"command\": {CommandExample}}}}}}}");
        return ConfigSections.Servers.Read(null, context);
    }
}
