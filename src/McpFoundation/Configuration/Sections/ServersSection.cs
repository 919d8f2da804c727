using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The <c>servers</c> section (<c>mcpServers</c> in a Claude Desktop file): server names to definitions, each read by
/// <see cref="ServerSectionValidator"/>; the names and the number of enabled servers are checked here.
/// </summary>
internal sealed class ServersSection(ServerSectionValidator server) : IConfigSection
{
    /// <summary>The pattern of a server name (also the tool prefix).</summary>
    public const string NamePattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

    public string Key => "servers";

    /// <summary>Gets the validator of one server.</summary>
    public ServerSectionValidator Server { get; } = server;

    public JsonNode Schema()
    {
        var server = Server.Schema();
        server["type"] = "object"; // a server set to null is an error, not "not set".
        return new JsonObject
        {
            ["description"] = "The MCP servers the gateway fronts, by name. A name is the prefix of its tools (<server>__<tool>): letters, digits, _ . -, no \"__\".",
            ["type"] = "object",
            ["propertyNames"] = new JsonObject { ["pattern"] = NamePattern, ["not"] = new JsonObject { ["pattern"] = "__" } },
            ["additionalProperties"] = server,
        };
    }

    /// <summary>Reads the server map under <see cref="SectionReadContext.Key"/>; an empty map when absent.</summary>
    public object? Read(JsonElement? value, SectionReadContext context) =>
        value is { } element
            ? ReadServers(element, context.Key, context.Settings, context.Reader, context.BaseDirectory)
            : ReadOnlyDictionary<string, ServerDefinition>.Empty;

    private ReadOnlyDictionary<string, ServerDefinition> ReadServers(JsonElement element, string key, GatewaySettings settings, ConfigurationReader reader, string? baseDirectory)
    {
        var servers = new OrderedDictionary<string, ServerDefinition>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Diagnostics.Error(key, $"must be an object mapping server names to definitions, e.g. \"{key}\": {{\"everything\": {{\"command\": {ConfigurationReader.CommandExample}}}}}");
            return new ReadOnlyDictionary<string, ServerDefinition>(servers);
        }

        var byCaseInsensitiveName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in reader.Properties(element, key))
        {
            var path = ConfigurationReader.Join(key, property.Name);
            reader.ValidateServerName(property.Name, path);
            if (!byCaseInsensitiveName.TryAdd(property.Name, property.Name))
            {
                reader.Diagnostics.Error(path, $"differs from server \"{byCaseInsensitiveName[property.Name]}\" only by letter case; rename one so their tool names cannot be confused");
            }

            var server = Server.ReadServer(property.Name, property.Value, path, reader);
            servers[property.Name] = baseDirectory is not null && server.Transport == ServerTransport.Stdio
                ? server with { BaseDirectory = baseDirectory }
                : server;
        }

        var enabled = servers.Values.Count(server => server.Enabled);
        if (enabled > settings.MaxServers)
        {
            var raise = enabled <= 1000 ? $" or raise the limit, e.g. MCP_MAX_SERVERS={enabled}" : string.Empty;
            reader.Diagnostics.Error(key, $"has {enabled} enabled servers but at most {settings.MaxServers} are allowed (settings.max_servers, MCP_MAX_SERVERS); disable some with \"enabled\": false{raise}");
        }

        return new ReadOnlyDictionary<string, ServerDefinition>(servers);
    }
}
