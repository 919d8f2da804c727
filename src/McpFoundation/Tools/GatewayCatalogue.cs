using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tools;

/// <summary>Where an exposed tool or prompt name leads, with its definition as exposed.</summary>
internal sealed record NamedRoute(string ServerId, string DownstreamName)
{
    public Tool? Tool { get; init; }

    public Prompt? Prompt { get; init; }

    /// <summary>Two routes are equal when they lead to the same place; the definitions they carry are not compared.</summary>
    public bool Equals(NamedRoute? other) =>
        other is not null && string.Equals(ServerId, other.ServerId, StringComparison.Ordinal) && string.Equals(DownstreamName, other.DownstreamName, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(ServerId, DownstreamName);
}

/// <summary>
/// An immutable snapshot of everything the gateway exposes, across all connected servers, with the routes back to them.
/// A change on any server builds a new snapshot; requests keep the one they started with.
/// </summary>
internal sealed class GatewayCatalogue
{
    private readonly FrozenDictionary<string, NamedRoute> _tools;
    private readonly FrozenDictionary<string, NamedRoute> _prompts;
    private readonly FrozenDictionary<string, string> _resources;
    private readonly FrozenDictionary<string, Resource> _resourceDefinitions;
    private readonly (UriTemplateMatcher Matcher, string ServerId)[] _templates;

    private GatewayCatalogue(
        IReadOnlyList<Tool> tools,
        IReadOnlyList<(Tool Tool, string ServerId, string DownstreamName)> toolDetails,
        FrozenDictionary<string, NamedRoute> toolRoutes,
        IReadOnlyList<Prompt> prompts,
        FrozenDictionary<string, NamedRoute> promptRoutes,
        IReadOnlyList<Resource> resources,
        FrozenDictionary<string, string> resourceRoutes,
        IReadOnlyList<ResourceTemplate> templates,
        (UriTemplateMatcher, string)[] templateRoutes,
        IReadOnlyList<string> collisions)
    {
        Tools = tools;
        ToolDetails = toolDetails;
        _tools = toolRoutes;
        Prompts = prompts;
        _prompts = promptRoutes;
        Resources = resources;
        _resources = resourceRoutes;
        _resourceDefinitions = resources.GroupBy(static r => r.Uri, StringComparer.Ordinal).ToFrozenDictionary(static g => g.Key, static g => g.First(), StringComparer.Ordinal);
        ResourceTemplates = templates;
        _templates = templateRoutes;
        Collisions = collisions;
    }

    public static GatewayCatalogue Empty { get; } = Build([], ToolNamespacing.Prefix);

    public IReadOnlyList<Tool> Tools { get; }

    public IReadOnlyList<(Tool Tool, string ServerId, string DownstreamName)> ToolDetails { get; }

    public IReadOnlyList<Prompt> Prompts { get; }

    public IReadOnlyList<Resource> Resources { get; }

    public IReadOnlyList<ResourceTemplate> ResourceTemplates { get; }

    /// <summary>Gets one message per name that two servers both expose (only possible with namespacing <c>none</c>).</summary>
    public IReadOnlyList<string> Collisions { get; }

    public bool TryGetTool(string exposedName, out NamedRoute route) => _tools.TryGetValue(exposedName, out route!);

    public bool TryGetPrompt(string exposedName, out NamedRoute route) => _prompts.TryGetValue(exposedName, out route!);

    /// <summary>Finds the server that serves a resource URI: an exact listed resource first, then a matching template.</summary>
    public string? FindResourceServer(string uri)
    {
        if (_resources.TryGetValue(uri, out string? serverId))
        {
            return serverId;
        }

        foreach ((UriTemplateMatcher matcher, string templateServer) in _templates)
        {
            if (matcher.IsMatch(uri))
            {
                return templateServer;
            }
        }

        return null;
    }

    /// <summary>Gets the listed resource with this exact URI, if a server listed one.</summary>
    public Resource? FindResource(string uri) => _resourceDefinitions.TryGetValue(uri, out Resource? resource) ? resource : null;

    /// <summary>Gets the template of <paramref name="serverId"/> that describes <paramref name="uri"/> (or whose text is <paramref name="uri"/>).</summary>
    public ResourceTemplate? FindTemplate(string uri, string serverId)
    {
        for (int i = 0; i < _templates.Length; i++)
        {
            (UriTemplateMatcher matcher, string templateServer) = _templates[i];
            if (templateServer == serverId && (matcher.Template == uri || matcher.IsMatch(uri)))
            {
                return ResourceTemplates[i];
            }
        }

        return null;
    }

    /// <summary>Finds the server that owns a resource template, by its exact template text.</summary>
    public string? FindTemplateServer(string uriTemplate)
    {
        foreach ((UriTemplateMatcher matcher, string serverId) in _templates)
        {
            if (matcher.Template == uriTemplate)
            {
                return serverId;
            }
        }

        return null;
    }

    public static GatewayCatalogue Build(IEnumerable<(string ServerId, ServerCatalogue Catalogue)> servers, ToolNamespacing namespacing)
    {
        var tools = new List<Tool>();
        var toolDetails = new List<(Tool, string, string)>();
        var toolRoutes = new Dictionary<string, NamedRoute>(StringComparer.Ordinal);
        var prompts = new List<Prompt>();
        var promptRoutes = new Dictionary<string, NamedRoute>(StringComparer.Ordinal);
        var resources = new List<Resource>();
        var resourceRoutes = new Dictionary<string, string>(StringComparer.Ordinal);
        var templates = new List<ResourceTemplate>();
        var templateRoutes = new List<(UriTemplateMatcher, string)>();
        var collisions = new List<string>();

        foreach ((string serverId, ServerCatalogue catalogue) in servers)
        {
            foreach (Tool tool in catalogue.Tools)
            {
                string exposed = ToolNaming.Expose(serverId, tool.Name, namespacing);
                if (toolRoutes.TryGetValue(exposed, out NamedRoute? existing))
                {
                    collisions.Add($"Tool '{exposed}' is offered by both '{existing.ServerId}' and '{serverId}'. With \"namespacing\": \"none\" tool names must be unique; use \"prefix\" or disable one server.");
                    continue;
                }

                Tool renamed = Rename(tool, exposed);
                toolRoutes[exposed] = new NamedRoute(serverId, tool.Name) { Tool = renamed };
                tools.Add(renamed);
                toolDetails.Add((renamed, serverId, tool.Name));
            }

            foreach (Prompt prompt in catalogue.Prompts)
            {
                string exposed = ToolNaming.Expose(serverId, prompt.Name, namespacing);
                if (promptRoutes.TryGetValue(exposed, out NamedRoute? existing))
                {
                    collisions.Add($"Prompt '{exposed}' is offered by both '{existing.ServerId}' and '{serverId}'. With \"namespacing\": \"none\" prompt names must be unique; use \"prefix\" or disable one server.");
                    continue;
                }

                Prompt renamedPrompt = Rename(prompt, exposed);
                promptRoutes[exposed] = new NamedRoute(serverId, prompt.Name) { Prompt = renamedPrompt };
                prompts.Add(renamedPrompt);
            }

            foreach (Resource resource in catalogue.Resources)
            {
                // Resource URIs are global names: they are exposed unchanged, and the first server to list one owns it.
                if (resourceRoutes.TryAdd(resource.Uri, serverId))
                {
                    resources.Add(resource);
                }
            }

            foreach (ResourceTemplate template in catalogue.ResourceTemplates)
            {
                templates.Add(template);
                templateRoutes.Add((new UriTemplateMatcher(template.UriTemplate), serverId));
            }
        }

        return new GatewayCatalogue(
            tools,
            toolDetails,
            toolRoutes.ToFrozenDictionary(StringComparer.Ordinal),
            prompts,
            promptRoutes.ToFrozenDictionary(StringComparer.Ordinal),
            resources,
            resourceRoutes.ToFrozenDictionary(StringComparer.Ordinal),
            templates,
            [.. templateRoutes],
            collisions);
    }

    private static T Rename<T>(T item, string exposedName)
    {
        var typeInfo = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
        // A JSON round trip keeps every field the server sent, including ones this SDK version does not model by name.
        JsonObject node = JsonSerializer.SerializeToNode(item, typeInfo)!.AsObject();
        if (node["name"]?.GetValue<string>() == exposedName)
        {
            return item;
        }

        node["name"] = exposedName;
        return node.Deserialize(typeInfo)!;
    }
}
