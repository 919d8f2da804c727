using McpFoundation.Configuration;

namespace McpFoundation.Tools;

/// <summary>How names of tools and prompts are exposed to clients.</summary>
internal static class ToolNaming
{
    /// <summary>The separator between server id and tool name when namespacing is <c>prefix</c>.</summary>
    public const string Separator = "__";

    public static string Expose(string serverId, string name, ToolNamespacing namespacing) =>
        namespacing == ToolNamespacing.Prefix ? serverId + Separator + name : name;
}
