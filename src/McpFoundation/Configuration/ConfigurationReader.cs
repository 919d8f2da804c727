using System.Collections.ObjectModel;
using System.Text.Json;

namespace McpFoundation.Configuration;

/// <summary>
/// Walks a configuration <see cref="JsonDocument"/> by hand (no reflection), building the records and reporting
/// every problem with its JSON path. Never puts the value of an <c>env</c> or <c>headers</c> entry in a message.
/// </summary>
internal sealed class ConfigurationReader
{
    /// <summary>The largest per-call timeout, in seconds, for <c>timeout</c> and <c>default_timeout</c>.</summary>
    public const double MaxCallTimeoutSeconds = 3600;

    /// <summary>The largest <c>max_concurrent_operations</c>.</summary>
    public const int MaxConcurrentOperationsLimit = 1000;

    /// <summary>The largest <c>rate_limit</c>, in calls per minute.</summary>
    public const int MaxRateLimit = 100_000;

    internal static readonly string[] RootFields = ["$schema", "servers", "mcpServers", "namespacing", "settings"];

    internal static readonly string[] ServerFields =
        ["transport", "type", "command", "args", "url", "env", "cwd", "headers", "enabled", "timeout", "inherit_env", "security_profile"];

    internal static readonly string[] ProfileFields =
        ["risk_level", "allowed_operations", "max_concurrent_operations", "allowed_file_extensions", "rate_limit", "require_authentication"];

    private const string CommandExample = "[\"npx\", \"-y\", \"some-mcp-server\"]";
    private const string UrlExample = "\"https://api.example.com/mcp\"";

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
        var path = Join("servers", name);
        reader.ValidateServerName(name, path);
        var server = reader.ReadServer(name, element, path);
        var servers = new OrderedDictionary<string, ServerDefinition>(StringComparer.Ordinal) { [name] = server };
        var configuration = new GatewayConfiguration
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(servers),
            Settings = settings,
        };
        return diagnostics.Finish(configuration, settings.EnableStrictValidation);
    }

    /// <summary>Enumerates an object's properties, reporting (and skipping) repeated names.</summary>
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

    /// <summary>Reads one server object. Always returns a definition; it is only used when no error was reported.</summary>
    public ServerDefinition ReadServer(string name, JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, $"must be an object describing the server, e.g. {{\"command\": {CommandExample}}} or {{\"url\": {UrlExample}}}");
            return new ServerDefinition { Name = name };
        }

        var fields = new ServerFieldValues();
        foreach (var property in Properties(element, path))
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue; // null means "not set".
            }

            ReadServerField(property, Join(path, property.Name), fields);
        }

        var transport = ResolveTransport(fields, path);
        var command = fields.Command ?? [];
        if (fields.Args is { } args)
        {
            if (fields.Command is null)
            {
                _diagnostics.Error(Join(path, "args"), "needs \"command\": write the executable in \"command\" and its arguments in \"args\", e.g. \"command\": \"npx\", \"args\": [\"-y\", \"some-mcp-server\"]");
            }
            else
            {
                command = [.. command, .. args];
            }
        }

        return new ServerDefinition
        {
            Name = name,
            Transport = transport,
            Command = transport == ServerTransport.Stdio ? command : [],
            Url = transport == ServerTransport.Stdio ? null : fields.Url,
            Env = fields.Env ?? ReadOnlyDictionary<string, string>.Empty,
            Cwd = fields.Cwd,
            Headers = fields.Headers ?? ReadOnlyDictionary<string, string>.Empty,
            Enabled = fields.Enabled,
            Timeout = fields.Timeout,
            InheritEnvironment = fields.InheritEnvironment,
            SecurityProfile = fields.SecurityProfile,
        };
    }

    public GatewayConfiguration ReadRoot(JsonElement root, IReadOnlyDictionary<string, string?> environment, string? sourcePath, out bool strict)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error("$", "must be a JSON object, e.g. {\"servers\": {}}");
            strict = true;
            return GatewayConfiguration.Empty;
        }

        JsonElement? servers = null;
        JsonElement? mcpServers = null;
        JsonElement? namespacing = null;
        JsonElement? settingsElement = null;
        var unknown = new List<string>();
        foreach (var property in Properties(root, string.Empty))
        {
            var value = property.Value.ValueKind == JsonValueKind.Null ? (JsonElement?)null : property.Value;
            switch (property.Name)
            {
                case "servers":
                    servers = value;
                    break;
                case "mcpServers":
                    mcpServers = value;
                    break;
                case "namespacing":
                    namespacing = value;
                    break;
                case "settings":
                    settingsElement = value;
                    break;
                case "$schema":
                    break;
                default:
                    unknown.Add(property.Name);
                    break;
            }
        }

        var settings = SettingsReader.Read(settingsElement, environment, this);
        strict = settings.EnableStrictValidation;

        var claudeFormat = servers is null && mcpServers is not null;
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

        var toolNamespacing = ToolNamespacing.Prefix;
        if (namespacing is { } namespacingValue)
        {
            toolNamespacing = ReadNamespacing(namespacingValue);
        }

        IReadOnlyDictionary<string, ServerDefinition> serverMap = ReadOnlyDictionary<string, ServerDefinition>.Empty;
        if (servers is not null && mcpServers is not null)
        {
            _diagnostics.Error("$", "has both \"servers\" and \"mcpServers\"; keep one of them (\"servers\" is the gateway's format, \"mcpServers\" the Claude Desktop one)");
        }

        if ((servers ?? mcpServers) is { } serversValue)
        {
            serverMap = ReadServers(serversValue, servers is not null ? "servers" : "mcpServers", settings);
        }
        else
        {
            _diagnostics.Error("$", $"must have a \"servers\" object naming the MCP servers to front, e.g. {{\"servers\": {{\"everything\": {{\"command\": {CommandExample}}}}}}}");
        }

        return new GatewayConfiguration
        {
            Servers = serverMap,
            Namespacing = toolNamespacing,
            Settings = settings,
            SourcePath = sourcePath,
        };
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

    private static bool TryParseTransport(string text, out ServerTransport transport)
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

    private ToolNamespacing ReadNamespacing(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString();
            if (string.Equals(text, "prefix", StringComparison.OrdinalIgnoreCase))
            {
                return ToolNamespacing.Prefix;
            }

            if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
            {
                return ToolNamespacing.None;
            }
        }

        _diagnostics.Error("namespacing", "must be \"prefix\" (tools exposed as <server>__<tool>) or \"none\", e.g. \"namespacing\": \"prefix\"");
        return ToolNamespacing.Prefix;
    }

    private ReadOnlyDictionary<string, ServerDefinition> ReadServers(JsonElement element, string key, GatewaySettings settings)
    {
        var servers = new OrderedDictionary<string, ServerDefinition>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(key, $"must be an object mapping server names to definitions, e.g. \"{key}\": {{\"everything\": {{\"command\": {CommandExample}}}}}");
            return new ReadOnlyDictionary<string, ServerDefinition>(servers);
        }

        var byCaseInsensitiveName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in Properties(element, key))
        {
            var path = Join(key, property.Name);
            ValidateServerName(property.Name, path);
            if (!byCaseInsensitiveName.TryAdd(property.Name, property.Name))
            {
                _diagnostics.Error(path, $"differs from server \"{byCaseInsensitiveName[property.Name]}\" only by letter case; rename one so their tool names cannot be confused");
            }

            servers[property.Name] = ReadServer(property.Name, property.Value, path);
        }

        var enabled = servers.Values.Count(server => server.Enabled);
        if (enabled > settings.MaxServers)
        {
            var raise = enabled <= 1000 ? $" or raise the limit, e.g. MCP_MAX_SERVERS={enabled}" : string.Empty;
            _diagnostics.Error(key, $"has {enabled} enabled servers but at most {settings.MaxServers} are allowed (settings.max_servers, MCP_MAX_SERVERS); disable some with \"enabled\": false{raise}");
        }

        return new ReadOnlyDictionary<string, ServerDefinition>(servers);
    }

    private void ReadServerField(JsonProperty property, string path, ServerFieldValues fields)
    {
        var value = property.Value;
        switch (property.Name)
        {
            case "transport":
            case "type":
                if (fields.TransportField is not null)
                {
                    _diagnostics.Error(path, $"repeats \"{fields.TransportField}\"; keep only one of \"transport\" and \"type\"");
                    break;
                }

                fields.TransportField = property.Name;
                if (value.ValueKind == JsonValueKind.String && TryParseTransport(value.GetString()!, out var transport))
                {
                    fields.Transport = transport;
                }
                else
                {
                    _diagnostics.Error(path, $"must be \"stdio\", \"http\" or \"sse\" (\"streamable-http\" also means http), e.g. \"{property.Name}\": \"stdio\"");
                }

                break;
            case "command":
                fields.CommandSeen = true;
                fields.Command = ReadCommand(value, path);
                break;
            case "args":
                fields.Args = ReadStringList(value, path, allowEmptyItems: true, "must be an array of strings, the arguments after the executable, e.g. \"args\": [\"-y\", \"some-mcp-server\"]", "must be a string; write every argument in quotes, e.g. \"--port\", \"8080\"");
                break;
            case "url":
                fields.UrlSeen = true;
                fields.Url = ReadUrl(value, path);
                break;
            case "env":
                fields.EnvSeen = true;
                fields.Env = ReadStringMap(value, path, headers: false);
                break;
            case "cwd":
                fields.CwdSeen = true;
                if (value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                {
                    fields.Cwd = value.GetString();
                }
                else
                {
                    _diagnostics.Error(path, "must be a directory path as a string, e.g. \"cwd\": \"./servers/files\"");
                }

                break;
            case "headers":
                fields.Headers = ReadStringMap(value, path, headers: true);
                break;
            case "enabled":
                fields.Enabled = ReadBoolean(value, path, "enabled", example: true) ?? true;
                break;
            case "timeout":
                fields.Timeout = ReadSeconds(value, path, "timeout", MaxCallTimeoutSeconds, example: 30);
                break;
            case "inherit_env":
                fields.InheritEnvSeen = true;
                fields.InheritEnvironment = ReadBoolean(value, path, "inherit_env", example: false) ?? false;
                if (fields.InheritEnvironment)
                {
                    _diagnostics.Warning(path, "passes the gateway's whole environment, including any secrets in it, to this server; prefer listing only the variables it needs in \"env\"");
                }

                break;
            case "security_profile":
                fields.SecurityProfile = ReadSecurityProfile(value, path);
                break;
            default:
                _diagnostics.UnknownField(path, property.Name, ServerFields);
                break;
        }
    }

    private ServerTransport ResolveTransport(ServerFieldValues fields, string path)
    {
        ServerTransport transport;
        if (fields.TransportField is not null)
        {
            if (fields.Transport is not { } explicitTransport)
            {
                return fields.UrlSeen && !fields.CommandSeen ? ServerTransport.Http : ServerTransport.Stdio; // already reported.
            }

            transport = explicitTransport;
        }
        else if (fields.CommandSeen && fields.UrlSeen)
        {
            _diagnostics.Error(path, "has both \"command\" and \"url\"; keep \"command\" for a local (stdio) server or \"url\" for a remote (http) server");
            return ServerTransport.Stdio;
        }
        else if (fields.CommandSeen)
        {
            transport = ServerTransport.Stdio;
        }
        else if (fields.UrlSeen)
        {
            transport = ServerTransport.Http;
        }
        else
        {
            _diagnostics.Error(path, $"needs either \"command\" for a local stdio server, e.g. \"command\": {CommandExample}, or \"url\" for a remote server, e.g. \"url\": {UrlExample}");
            return ServerTransport.Stdio;
        }

        if (transport == ServerTransport.Stdio)
        {
            if (!fields.CommandSeen)
            {
                _diagnostics.Error(Join(path, "command"), $"is required for a stdio server: the executable and its arguments, e.g. \"command\": {CommandExample}");
            }

            if (fields.UrlSeen)
            {
                _diagnostics.Error(Join(path, "url"), "is only for http and sse servers; remove it, or set \"transport\": \"http\" and remove \"command\"");
            }

            if (fields.Headers is { Count: > 0 })
            {
                _diagnostics.Warning(Join(path, "headers"), "is ignored for a stdio server; pass secrets to it in \"env\" instead");
            }
        }
        else
        {
            var name = transport == ServerTransport.Sse ? "an sse" : "an http";
            if (!fields.UrlSeen)
            {
                _diagnostics.Error(Join(path, "url"), $"is required for {name} server, e.g. \"url\": {UrlExample}");
            }

            if (fields.CommandSeen)
            {
                _diagnostics.Error(Join(path, "command"), "is only for stdio servers; remove it, or set \"transport\": \"stdio\" and remove \"url\"");
            }

            if (fields.Args is not null)
            {
                _diagnostics.Error(Join(path, "args"), "is only for stdio servers; remove it");
            }

            foreach (var (seen, field) in new[] { (fields.EnvSeen, "env"), (fields.CwdSeen, "cwd"), (fields.InheritEnvSeen, "inherit_env") })
            {
                if (seen)
                {
                    _diagnostics.Warning(Join(path, field), $"is ignored for {name} server; it only applies to stdio servers");
                }
            }
        }

        return transport;
    }

    private List<string>? ReadCommand(JsonElement value, string path)
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

    private List<string>? ReadStringList(JsonElement value, string path, bool allowEmptyItems, string notArrayMessage, string itemMessage)
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

    private Uri? ReadUrl(JsonElement value, string path)
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

    private ReadOnlyDictionary<string, string> ReadStringMap(JsonElement value, string path, bool headers)
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

    private SecurityProfile? ReadSecurityProfile(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, "must be an object, e.g. \"security_profile\": {\"risk_level\": \"medium\", \"allowed_operations\": [\"read\"]}");
            return null;
        }

        var profile = new SecurityProfile();
        foreach (var property in Properties(value, path))
        {
            var fieldPath = Join(path, property.Name);
            var field = property.Value;
            if (field.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (property.Name)
            {
                case "risk_level":
                    var level = field.ValueKind == JsonValueKind.String
                        ? SecurityProfile.RiskLevels.FirstOrDefault(known => string.Equals(known, field.GetString(), StringComparison.OrdinalIgnoreCase))
                        : null;
                    if (level is null)
                    {
                        _diagnostics.Error(fieldPath, "must be \"low\", \"medium\", \"high\" or \"critical\", e.g. \"risk_level\": \"medium\"");
                    }

                    profile = profile with { RiskLevel = level };
                    break;
                case "allowed_operations":
                    profile = profile with
                    {
                        AllowedOperations = ReadStringList(field, fieldPath, allowEmptyItems: false, "must be an array of operation names, e.g. \"allowed_operations\": [\"read\", \"list\"]", "must be a non-empty string naming an operation, e.g. \"read\"") ?? [],
                    };
                    break;
                case "max_concurrent_operations":
                    profile = profile with { MaxConcurrentOperations = ReadWholeNumber(field, fieldPath, "max_concurrent_operations", 1, MaxConcurrentOperationsLimit, 5) };
                    break;
                case "allowed_file_extensions":
                    profile = profile with { AllowedFileExtensions = ReadExtensions(field, fieldPath) };
                    break;
                case "rate_limit":
                    profile = profile with { RateLimit = ReadWholeNumber(field, fieldPath, "rate_limit", 1, MaxRateLimit, 100) };
                    break;
                case "require_authentication":
                    profile = profile with { RequireAuthentication = ReadBoolean(field, fieldPath, "require_authentication", example: true) ?? false };
                    break;
                default:
                    _diagnostics.UnknownField(fieldPath, property.Name, ProfileFields);
                    break;
            }
        }

        return profile;
    }

    private List<string> ReadExtensions(JsonElement value, string path)
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

    private sealed class ServerFieldValues
    {
        public string? TransportField { get; set; }

        public ServerTransport? Transport { get; set; }

        public bool CommandSeen { get; set; }

        public List<string>? Command { get; set; }

        public List<string>? Args { get; set; }

        public bool UrlSeen { get; set; }

        public Uri? Url { get; set; }

        public bool EnvSeen { get; set; }

        public ReadOnlyDictionary<string, string>? Env { get; set; }

        public bool CwdSeen { get; set; }

        public string? Cwd { get; set; }

        public ReadOnlyDictionary<string, string>? Headers { get; set; }

        public bool Enabled { get; set; } = true;

        public TimeSpan? Timeout { get; set; }

        public bool InheritEnvSeen { get; set; }

        public bool InheritEnvironment { get; set; }

        public SecurityProfile? SecurityProfile { get; set; }
    }
}
