namespace McpFoundation.Configuration;

/// <summary>How the tools of downstream servers are named when the gateway exposes them.</summary>
public enum ToolNamespacing
{
    /// <summary>Each tool is exposed as <c>&lt;server&gt;__&lt;tool&gt;</c>, so tools of different servers never collide.</summary>
    Prefix,

    /// <summary>Tools keep their own names; a name offered by two servers is a conflict the registry must resolve.</summary>
    None,
}
