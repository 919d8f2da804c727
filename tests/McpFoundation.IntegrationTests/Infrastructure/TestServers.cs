using System.Collections.ObjectModel;
using McpFoundation.Configuration;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>Server definitions and configurations for the real servers the tests put behind the gateway.</summary>
internal static class TestServers
{
    /// <summary>The fixture server over stdio, with extra command-line options.</summary>
    public static ServerDefinition Fixture(string name, params string[] extraArgs) => new()
    {
        Name = name,
        Transport = ServerTransport.Stdio,
        Command = [RepoPaths.DotnetHost, RepoPaths.FixtureServerDll, "--stdio", .. extraArgs],
    };

    /// <summary>A Streamable HTTP server already running at <paramref name="endpoint"/>.</summary>
    public static ServerDefinition Http(string name, Uri endpoint) => new()
    {
        Name = name,
        Transport = ServerTransport.Http,
        Url = endpoint,
    };

    /// <summary>server-everything over stdio, run by node 22.</summary>
    public static ServerDefinition EverythingStdio(string name = "everything") => new()
    {
        Name = name,
        Transport = ServerTransport.Stdio,
        Command = [NpmTools.Node, NpmTools.ServerEverything, "stdio"],
    };

    /// <summary>server-filesystem over stdio, allowed to see <paramref name="directory"/> only.</summary>
    public static ServerDefinition Filesystem(string directory, string name = "fs") => new()
    {
        Name = name,
        Transport = ServerTransport.Stdio,
        Command = [NpmTools.Node, NpmTools.ServerFilesystem, directory],
    };

    /// <summary>A configuration with the given servers; periodic health checks are pushed out of the tests' way.</summary>
    public static GatewayConfiguration Configuration(ToolNamespacing namespacing, params ServerDefinition[] servers) => new()
    {
        Servers = new ReadOnlyDictionary<string, ServerDefinition>(servers.ToDictionary(s => s.Name, StringComparer.Ordinal)),
        Namespacing = namespacing,
        Settings = new GatewaySettings { HealthCheckInterval = TimeSpan.FromHours(1), MaxServers = 20 },
    };

    /// <inheritdoc cref="Configuration(ToolNamespacing, ServerDefinition[])"/>
    public static GatewayConfiguration Configuration(params ServerDefinition[] servers) => Configuration(ToolNamespacing.Prefix, servers);
}
