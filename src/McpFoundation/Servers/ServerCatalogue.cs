using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>What one server offers, as it last listed it (all pages).</summary>
internal sealed record ServerCatalogue(
    IReadOnlyList<Tool> Tools,
    IReadOnlyList<Resource> Resources,
    IReadOnlyList<ResourceTemplate> ResourceTemplates,
    IReadOnlyList<Prompt> Prompts)
{
    public static ServerCatalogue Empty { get; } = new([], [], [], []);
}

/// <summary>Which part of a catalogue changed.</summary>
[Flags]
internal enum CatalogueParts
{
    None = 0,
    Tools = 1,
    Resources = 2,
    Prompts = 4,
    All = Tools | Resources | Prompts,
}
