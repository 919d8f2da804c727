using System.Reflection;

namespace McpFoundation;

/// <summary>The version of McpFoundation, as reported to clients and servers.</summary>
public static class GatewayVersion
{
    /// <summary>Gets the informational version of the McpFoundation assembly.</summary>
    public static string Current { get; } =
        typeof(GatewayVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1.0";
}
