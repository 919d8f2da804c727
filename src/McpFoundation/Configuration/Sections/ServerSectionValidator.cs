using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFoundation.Configuration.Sections;

/// <summary>
/// One server under <c>servers</c> (or <c>mcpServers</c>): binds <see cref="ServerSection"/>, checks its fields
/// against each other (transport, command, url) and builds the <see cref="ServerDefinition"/>.
/// </summary>
internal sealed class ServerSectionValidator : SectionValidator<ServerSection>
{
    private static readonly string[] TransportNames = ["stdio", "http", "sse", "streamable-http", "streamableHttp", "streamable_http"];

    private readonly SecurityProfileSectionValidator _profile;

    public ServerSectionValidator(SecurityProfileSectionValidator profile)
        : base(ConfigurationJsonContext.Default.ServerSection)
    {
        _profile = profile;
    }

    public override string Description =>
        "One MCP server: \"command\" for a local (stdio) server the gateway starts, or \"url\" for a remote (http or sse) one.";

    /// <summary>Gets the validator of the server's <c>security_profile</c>.</summary>
    public SecurityProfileSectionValidator Profile => _profile;

    protected override string NotAnObjectMessage =>
        $"must be an object describing the server, e.g. {{\"command\": {ConfigurationReader.CommandExample}}} or {{\"url\": {ConfigurationReader.UrlExample}}}";

    /// <summary>Reads one server object. Always returns a definition; it is only used when no error was reported.</summary>
    public ServerDefinition ReadServer(string name, JsonElement element, string path, ConfigurationReader reader)
    {
        if (Bind(element, path, reader) is not { } bound)
        {
            return new ServerDefinition { Name = name };
        }

        var section = bound.Value;
        var diagnostics = reader.Diagnostics;
        var fields = new Facts(bound);
        if (bound.Has("transport") && bound.Has("type"))
        {
            var second = bound.Present.First(field => field is "transport" or "type") == "transport" ? "type" : "transport";
            diagnostics.Error(ConfigurationReader.Join(path, second), $"repeats \"{fields.TransportField}\"; keep only one of \"transport\" and \"type\"");
        }

        var transport = ResolveTransport(fields, path, diagnostics);
        var command = section.Command ?? [];
        if (section.Args is { } args)
        {
            if (section.Command is null)
            {
                diagnostics.Error(ConfigurationReader.Join(path, "args"), "needs \"command\": write the executable in \"command\" and its arguments in \"args\", e.g. \"command\": \"npx\", \"args\": [\"-y\", \"some-mcp-server\"]");
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
            Url = transport == ServerTransport.Stdio || section.Url is null ? null : new Uri(section.Url, UriKind.Absolute),
            Env = Map(section.Env),
            Cwd = section.Cwd,
            Headers = Map(section.Headers),
            Enabled = section.Enabled ?? true,
            Timeout = section.Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            ConnectTimeout = section.ConnectTimeout is { } connectSeconds ? TimeSpan.FromSeconds(connectSeconds) : null,
            InheritEnvironment = section.InheritEnv ?? false,
            SecurityProfile = section.SecurityProfile is { } profile ? SecurityProfileSectionValidator.ToModel(profile) : null,
        };
    }

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields()
    {
        var transport = new FieldRule(
            "How the gateway reaches the server: \"stdio\", \"http\" (also \"streamable-http\") or \"sse\". Default: stdio with \"command\", http with \"url\".",
            (value, field) =>
            {
                if (value.ValueKind == JsonValueKind.String && ConfigurationReader.TryParseTransport(value.GetString()!, out _))
                {
                    return JsonValue.Create(value.GetString());
                }

                field.Reader.Diagnostics.Error(field.Path, $"must be \"stdio\", \"http\" or \"sse\" (\"streamable-http\" also means http), e.g. \"{field.Name}\": \"stdio\"");
                return null;
            },
            () => new JsonObject { ["pattern"] = FieldRule.CaseInsensitiveChoicePattern(TransportNames), ["examples"] = new JsonArray("stdio", "http") });
        return new Dictionary<string, FieldRule>(StringComparer.Ordinal)
        {
            ["transport"] = transport,
            ["type"] = new FieldRule("The same as \"transport\" (the Claude Desktop and VS Code name); set only one of them.", (value, field) => transport.Read(value, field), () => transport.SchemaOverride() ?? []),
            ["command"] = new FieldRule(
                "stdio: the executable and its arguments, e.g. [\"npx\", \"-y\", \"some-mcp-server\"]; or the executable alone, with \"args\".",
                (value, field) => SecurityProfileSectionValidator.Strings(field.Reader.ReadCommand(value, field.Path)),
                () => new JsonObject { ["type"] = new JsonArray("array", "string"), ["items"] = new JsonObject { ["type"] = "string" }, ["minItems"] = 1, ["minLength"] = 1 }),
            ["args"] = new FieldRule(
                "stdio: arguments appended to \"command\".",
                (value, field) => SecurityProfileSectionValidator.Strings(field.Reader.ReadStringList(value, field.Path, allowEmptyItems: true, "must be an array of strings, the arguments after the executable, e.g. \"args\": [\"-y\", \"some-mcp-server\"]", "must be a string; write every argument in quotes, e.g. \"--port\", \"8080\"")),
                null),
            ["url"] = new FieldRule(
                "http/sse: the absolute http or https URL of the server. Keep credentials in \"headers\", not in the URL.",
                (value, field) => field.Reader.ReadUrl(value, field.Path) is not null ? JsonValue.Create(value.GetString()) : null,
                () => new JsonObject { ["format"] = "uri", ["pattern"] = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]", ["examples"] = new JsonArray("https://api.example.com/mcp") }),
            ["env"] = new FieldRule(
                "stdio: environment variables given to the server; values are strings and are secrets (never logged).",
                (value, field) => MapNode(field.Reader.ReadStringMap(value, field.Path, headers: false)),
                () => new JsonObject { ["propertyNames"] = new JsonObject { ["pattern"] = "^[^=\\u0000]+$" } }),
            ["cwd"] = new FieldRule(
                "stdio: the server's working directory; a relative path is relative to this file's directory (default: this file's directory).",
                (value, field) =>
                {
                    if (value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                    {
                        return JsonValue.Create(value.GetString());
                    }

                    field.Reader.Diagnostics.Error(field.Path, "must be a directory path as a string, e.g. \"cwd\": \"./servers/files\"");
                    return null;
                },
                () => new JsonObject { ["pattern"] = "\\S" }),
            ["headers"] = new FieldRule(
                "http/sse: headers sent with every request; values are secrets (never logged).",
                (value, field) => MapNode(field.Reader.ReadStringMap(value, field.Path, headers: true)),
                () => new JsonObject
                {
                    ["propertyNames"] = new JsonObject { ["pattern"] = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
                    ["additionalProperties"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[^\\r\\n\\u0000]*$" },
                }),
            ["enabled"] = FieldRule.Boolean("false: parsed and validated but not started (default true).", example: true),
            ["timeout"] = FieldRule.Seconds("Seconds one call may take (default: settings.default_timeout).", ConfigurationReader.MaxCallTimeoutSeconds, 30),
            ["connect_timeout"] = FieldRule.Seconds("Seconds the server may take to start, initialize and list its catalogue (default: settings.connect_timeout, 60).", ConfigurationReader.MaxCallTimeoutSeconds, 60),
            ["inherit_env"] = new FieldRule(
                "stdio: true passes the gateway's whole environment to the server (a warning); default false: only \"env\" plus a minimal safe set.",
                (value, field) =>
                {
                    var inherit = field.Reader.ReadBoolean(value, field.Path, field.Name, example: false);
                    if (inherit == true)
                    {
                        field.Reader.Diagnostics.Warning(field.Path, "passes the gateway's whole environment, including any secrets in it, to this server; prefer listing only the variables it needs in \"env\"");
                    }

                    return inherit is { } flag ? JsonValue.Create(flag) : null;
                },
                () => new JsonObject { ["examples"] = new JsonArray(false) }),
            ["security_profile"] = FieldRule.Section("Limits the gateway enforces on this server's tool calls (see docs/security-profile.md).", _profile),
        };
    }

    private static ReadOnlyDictionary<string, string> Map(IReadOnlyDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return ReadOnlyDictionary<string, string>.Empty;
        }

        var ordered = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            ordered[key] = value;
        }

        return new ReadOnlyDictionary<string, string>(ordered);
    }

    private static JsonObject MapNode(IReadOnlyDictionary<string, string> map)
    {
        var node = new JsonObject();
        foreach (var (key, value) in map)
        {
            node[key] = value;
        }

        return node;
    }

    private static ServerTransport ResolveTransport(Facts fields, string path, ConfigurationDiagnostics diagnostics)
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
            diagnostics.Error(path, "has both \"command\" and \"url\"; keep \"command\" for a local (stdio) server or \"url\" for a remote (http) server");
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
            diagnostics.Error(path, $"needs either \"command\" for a local stdio server, e.g. \"command\": {ConfigurationReader.CommandExample}, or \"url\" for a remote server, e.g. \"url\": {ConfigurationReader.UrlExample}");
            return ServerTransport.Stdio;
        }

        if (transport == ServerTransport.Stdio)
        {
            if (!fields.CommandSeen)
            {
                diagnostics.Error(ConfigurationReader.Join(path, "command"), $"is required for a stdio server: the executable and its arguments, e.g. \"command\": {ConfigurationReader.CommandExample}");
            }

            if (fields.UrlSeen)
            {
                diagnostics.Error(ConfigurationReader.Join(path, "url"), "is only for http and sse servers; remove it, or set \"transport\": \"http\" and remove \"command\"");
            }

            if (fields.Headers is { Count: > 0 })
            {
                diagnostics.Warning(ConfigurationReader.Join(path, "headers"), "is ignored for a stdio server; pass secrets to it in \"env\" instead");
            }
        }
        else
        {
            var name = transport == ServerTransport.Sse ? "an sse" : "an http";
            if (!fields.UrlSeen)
            {
                diagnostics.Error(ConfigurationReader.Join(path, "url"), $"is required for {name} server, e.g. \"url\": {ConfigurationReader.UrlExample}");
            }

            if (fields.CommandSeen)
            {
                diagnostics.Error(ConfigurationReader.Join(path, "command"), "is only for stdio servers; remove it, or set \"transport\": \"stdio\" and remove \"url\"");
            }

            if (fields.Args is not null)
            {
                diagnostics.Error(ConfigurationReader.Join(path, "args"), "is only for stdio servers; remove it");
            }

            foreach (var (seen, field) in new[] { (fields.EnvSeen, "env"), (fields.CwdSeen, "cwd"), (fields.InheritEnvSeen, "inherit_env") })
            {
                if (seen)
                {
                    diagnostics.Warning(ConfigurationReader.Join(path, field), $"is ignored for {name} server; it only applies to stdio servers");
                }
            }
        }

        return transport;
    }

    /// <summary>What the cross-field checks need to know: which fields the file set (valid or not) and their bound values.</summary>
    private sealed class Facts(BoundSection<ServerSection> bound)
    {
        public string? TransportField { get; } = bound.Present.FirstOrDefault(field => field is "transport" or "type");

        public ServerTransport? Transport { get; } =
            (bound.Present.FirstOrDefault(field => field is "transport" or "type") == "type" ? bound.Value.Type : bound.Value.Transport) is { } text
            && ConfigurationReader.TryParseTransport(text, out var transport) ? transport : null;

        public bool CommandSeen { get; } = bound.Has("command");

        public bool UrlSeen { get; } = bound.Has("url");

        public bool EnvSeen { get; } = bound.Has("env");

        public bool CwdSeen { get; } = bound.Has("cwd");

        public bool InheritEnvSeen { get; } = bound.Has("inherit_env");

        public IReadOnlyDictionary<string, string>? Headers { get; } = bound.Value.Headers;

        public IReadOnlyList<string>? Args { get; } = bound.Value.Args;
    }
}
