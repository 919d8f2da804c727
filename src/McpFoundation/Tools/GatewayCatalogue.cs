using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tools;

/// <summary>Where an exposed tool or prompt name leads.</summary>
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
/// The server that serves a resource URI (or a resource template), or why none does: <see cref="Problem"/> is set when
/// two servers claim it equally (the gateway refuses to guess), null when simply no server offers it.
/// </summary>
internal readonly record struct ResourceOwner(string? ServerId, string? Problem)
{
    public static ResourceOwner None => default;
}

/// <summary>One server's resource template, compiled.</summary>
internal sealed record TemplateRoute(UriTemplateMatcher Matcher, string ServerId);

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
    private readonly TemplateRoute[] _templateRoutes;
    private readonly FrozenDictionary<string, string> _sharedResources;
    private readonly FrozenDictionary<string, string?> _templateOwners;
    private readonly TemplateRoute[] _anchored;
    private readonly TemplateRoute[] _unanchored;
    private readonly FrozenDictionary<string, string[]> _schemeOwners;

    private GatewayCatalogue(
        IReadOnlyList<Tool> tools,
        IReadOnlyList<(Tool Tool, string ServerId, string DownstreamName)> toolDetails,
        FrozenDictionary<string, NamedRoute> toolRoutes,
        IReadOnlyList<Prompt> prompts,
        FrozenDictionary<string, NamedRoute> promptRoutes,
        IReadOnlyList<Resource> resources,
        FrozenDictionary<string, string> resourceRoutes,
        IReadOnlyList<ResourceTemplate> templates,
        TemplateRoute[] templateRoutes,
        ResourceRoutes routes,
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
        _templateRoutes = templateRoutes;
        ResourceTemplates = templates;
        _sharedResources = routes.SharedResources;
        _templateOwners = routes.TemplateOwners;
        _anchored = routes.Anchored;
        _unanchored = routes.Unanchored;
        _schemeOwners = routes.SchemeOwners;
        ResourceWarnings = routes.Warnings;
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

    /// <summary>
    /// Gets what a server offers that lets it claim other servers' URIs, or that the gateway will not route by: a URI
    /// two servers list, a template two servers list, a template with no scheme and authority, an invalid template.
    /// </summary>
    public IReadOnlyList<string> ResourceWarnings { get; }

    /// <summary>Gets every exposed tool name (what <c>tools/list</c> lists).</summary>
    public IReadOnlyCollection<string> ToolNames => _tools.Keys;

    public bool TryGetTool(string exposedName, out NamedRoute route) => _tools.TryGetValue(exposedName, out route!);

    public bool TryGetPrompt(string exposedName, out NamedRoute route) => _prompts.TryGetValue(exposedName, out route!);

    /// <summary>Finds the server that serves a resource URI (see <see cref="ResolveResource"/>), or null.</summary>
    public string? FindResourceServer(string uri) => ResolveResource(uri).ServerId;

    /// <summary>
    /// Finds the server that serves a resource URI. In order: a resource exactly one server lists; then the most
    /// specific anchored template that matches (longest literal prefix, then most literal characters); then a template
    /// with no scheme and authority (e.g. <c>{+uri}</c>), but only for a URI whose scheme no other server uses. Two
    /// servers that claim a URI equally (both list it, or equally specific templates of both match) make it
    /// ambiguous: the owner then carries a <see cref="ResourceOwner.Problem"/> naming both, and no server.
    /// </summary>
    public ResourceOwner ResolveResource(string uri)
    {
        if (_resources.TryGetValue(uri, out string? serverId))
        {
            return new ResourceOwner(serverId, null);
        }

        if (_sharedResources.TryGetValue(uri, out string? servers))
        {
            return new ResourceOwner(null, $"Resource '{uri}' is listed by several servers ({servers}); the gateway does not guess which one should serve it. Disable all but one of them, or have them use distinct URIs.");
        }

        ResourceOwner owner = MostSpecific(_anchored, uri, claimedBySomeoneElse: null);
        if (owner.ServerId is not null || owner.Problem is not null)
        {
            return owner;
        }

        // A template that pins down no scheme and authority must not take URIs that belong to another server: it only
        // serves URIs of schemes that no other server lists or templates.
        string? scheme = UriTemplateMatcher.SchemeOf(uri);
        string[] claimants = scheme is not null && _schemeOwners.TryGetValue(scheme, out string[]? owners) ? owners : [];
        return MostSpecific(_unanchored, uri, claimants);
    }

    /// <summary>Finds the server that owns a resource template (a completion reference), by its exact text first.</summary>
    /// <summary>Gets the listed resource with this exact URI, if a server listed one.</summary>
    public Resource? FindResource(string uri) => _resourceDefinitions.TryGetValue(uri, out Resource? resource) ? resource : null;

    /// <summary>Gets the template of <paramref name="serverId"/> whose text is <paramref name="uri"/>, or the most specific one that describes it.</summary>
    public ResourceTemplate? FindTemplate(string uri, string serverId)
    {
        ResourceTemplate? best = null;
        UriTemplateMatcher? bestMatcher = null;
        for (int i = 0; i < _templateRoutes.Length; i++)
        {
            TemplateRoute route = _templateRoutes[i];
            if (route.ServerId != serverId)
            {
                continue;
            }

            if (route.Matcher.Template == uri)
            {
                return ResourceTemplates[i];
            }

            if (route.Matcher.IsMatch(uri) && (bestMatcher is null || route.Matcher.CompareSpecificity(bestMatcher) > 0))
            {
                best = ResourceTemplates[i];
                bestMatcher = route.Matcher;
            }
        }

        return best;
    }

    public string? FindTemplateServer(string uriTemplate) => ResolveTemplate(uriTemplate).ServerId;

    /// <summary>
    /// Finds the server that owns a resource template: the one server that lists this exact template; if several do,
    /// it is ambiguous; if none does, the template text is resolved like a URI (<see cref="ResolveResource"/>).
    /// </summary>
    public ResourceOwner ResolveTemplate(string uriTemplate)
    {
        if (_templateOwners.TryGetValue(uriTemplate, out string? serverId))
        {
            return serverId is not null
                ? new ResourceOwner(serverId, null)
                : new ResourceOwner(null, $"The resource template '{uriTemplate}' is listed by several servers; the gateway does not guess which one should complete it.");
        }

        return ResolveResource(uriTemplate);
    }

    private static ResourceOwner MostSpecific(TemplateRoute[] routes, string uri, string[]? claimedBySomeoneElse)
    {
        // Routes are sorted most specific first: the first match wins unless an equally specific one of another
        // server matches too.
        TemplateRoute? best = null;
        foreach (TemplateRoute route in routes)
        {
            if (best is not null && route.Matcher.CompareSpecificity(best.Matcher) < 0)
            {
                break;
            }

            if (!route.Matcher.IsMatch(uri) || (claimedBySomeoneElse is not null && ClaimedByAnother(claimedBySomeoneElse, route.ServerId)))
            {
                continue;
            }

            if (best is null)
            {
                best = route;
            }
            else if (route.ServerId != best.ServerId)
            {
                return new ResourceOwner(null, $"Resource '{uri}' matches resource templates of several servers equally: '{best.Matcher.Template}' of '{best.ServerId}' and '{route.Matcher.Template}' of '{route.ServerId}'; the gateway does not guess which one should serve it. Disable one of them, or have them use distinct URIs.");
            }
        }

        return best is null ? ResourceOwner.None : new ResourceOwner(best.ServerId, null);

        static bool ClaimedByAnother(string[] claimants, string serverId)
        {
            foreach (string claimant in claimants)
            {
                if (claimant != serverId)
                {
                    return true;
                }
            }

            return false;
        }
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
        var resourceClaims = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var templateRoutes = new List<TemplateRoute>();
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
                // Resource URIs are global names: they are exposed unchanged and listed once; a URI that two servers
                // list is read from neither (ResourceRoutes).
                if (resourceRoutes.TryAdd(resource.Uri, serverId))
                {
                    resources.Add(resource);
                }

                ref List<string>? claims = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(resourceClaims, resource.Uri, out _);
                claims ??= [];
                if (!claims.Contains(serverId))
                {
                    claims.Add(serverId);
                }
            }

            foreach (ResourceTemplate template in catalogue.ResourceTemplates)
            {
                templates.Add(template);
                templateRoutes.Add(new TemplateRoute(new UriTemplateMatcher(template.UriTemplate), serverId));
            }
        }

        ResourceRoutes routes = ResourceRoutes.Build(resourceClaims, templateRoutes);
        foreach (string shared in routes.SharedResources.Keys)
        {
            resourceRoutes.Remove(shared);
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
            routes,
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

    /// <summary>The resource routing tables of one snapshot, and what is worth a warning in them.</summary>
    private sealed record ResourceRoutes(
        FrozenDictionary<string, string> SharedResources,
        FrozenDictionary<string, string?> TemplateOwners,
        TemplateRoute[] Anchored,
        TemplateRoute[] Unanchored,
        FrozenDictionary<string, string[]> SchemeOwners,
        IReadOnlyList<string> Warnings)
    {
        public static ResourceRoutes Build(Dictionary<string, List<string>> resourceClaims, List<TemplateRoute> templates)
        {
            var warnings = new List<string>();
            var shared = new Dictionary<string, string>(StringComparer.Ordinal);
            var schemeOwners = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
            foreach ((string uri, List<string> servers) in resourceClaims)
            {
                if (servers.Count > 1)
                {
                    string names = string.Join(", ", servers.Select(s => $"'{s}'"));
                    shared[uri] = names;
                    warnings.Add($"Resource '{uri}' is listed by several servers ({names}); reads of it are refused until only one lists it.");
                }

                Claim(schemeOwners, UriTemplateMatcher.SchemeOf(uri), servers);
            }

            var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (TemplateRoute route in templates)
            {
                UriTemplateMatcher matcher = route.Matcher;
                if (owners.TryGetValue(matcher.Template, out string? owner) && owner != route.ServerId)
                {
                    if (owner is not null)
                    {
                        warnings.Add($"Resource template '{matcher.Template}' is listed by several servers ('{owner}', '{route.ServerId}'); URIs it matches are refused as ambiguous unless a more specific template claims them.");
                    }

                    owners[matcher.Template] = null;
                }
                else
                {
                    owners[matcher.Template] = route.ServerId;
                }

                if (matcher.Problem is not null)
                {
                    warnings.Add($"Server '{route.ServerId}' lists resource template '{matcher.Template}', which is not a valid URI template ({matcher.Problem}); no read is routed by it.");
                }
                else if (!matcher.IsAnchored)
                {
                    warnings.Add($"Server '{route.ServerId}' lists resource template '{matcher.Template}', which names no scheme and authority; it serves only URIs of schemes no other server uses.");
                }
                else
                {
                    Claim(schemeOwners, matcher.Scheme, [route.ServerId]);
                }
            }

            // Most specific first (stable: within equal specificity, the configuration's server order).
            TemplateRoute[] valid = [.. templates.Where(t => t.Matcher.Problem is null).OrderByDescending(t => t.Matcher, Specificity.Instance)];
            return new ResourceRoutes(
                shared.ToFrozenDictionary(StringComparer.Ordinal),
                owners.ToFrozenDictionary(StringComparer.Ordinal),
                [.. valid.Where(t => t.Matcher.IsAnchored)],
                [.. valid.Where(t => !t.Matcher.IsAnchored)],
                schemeOwners.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase),
                warnings);
        }

        private static void Claim(Dictionary<string, HashSet<string>> schemeOwners, string? scheme, IEnumerable<string> servers)
        {
            if (scheme is null)
            {
                return;
            }

            if (!schemeOwners.TryGetValue(scheme, out HashSet<string>? set))
            {
                schemeOwners[scheme] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(servers);
        }
    }

    private sealed class Specificity : IComparer<UriTemplateMatcher>
    {
        public static readonly Specificity Instance = new();

        public int Compare(UriTemplateMatcher? x, UriTemplateMatcher? y) => x!.CompareSpecificity(y!);
    }
}
