using McpFoundation.Configuration;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace McpFoundation.Servers;

/// <summary>Builds the SDK transport for one configured server.</summary>
internal static class ServerTransportFactory
{
    public static IClientTransport Create(ServerDefinition definition, ILoggerFactory loggerFactory, Action<string>? standardErrorLine)
    {
        switch (definition.Transport)
        {
            case ServerTransport.Stdio:
                return new ChildProcessTransport(definition, loggerFactory.CreateLogger("McpFoundation.Servers.Process"), standardErrorLine);

            case ServerTransport.Http:
            case ServerTransport.Sse:
                var options = new HttpClientTransportOptions
                {
                    Endpoint = definition.Url ?? throw new InvalidOperationException($"servers.{definition.Name}.url is required for transport '{definition.Transport}'."),
                    Name = definition.Name,

                    // Streamable HTTP first, falling back to the legacy HTTP+SSE transport for older servers.
                    TransportMode = definition.Transport == ServerTransport.Sse ? HttpTransportMode.Sse : HttpTransportMode.AutoDetect,
                    AdditionalHeaders = definition.Headers.Count == 0 ? null : new Dictionary<string, string>(definition.Headers, StringComparer.OrdinalIgnoreCase),
                };
                return new HttpClientTransport(options, loggerFactory);

            default:
                throw new InvalidOperationException($"servers.{definition.Name}.transport: '{definition.Transport}' is not supported.");
        }
    }

    internal static StdioClientTransportOptions CreateStdioOptions(ServerDefinition definition, Action<string>? standardErrorLine)
    {
        if (definition.Command.Count == 0)
        {
            throw new InvalidOperationException($"servers.{definition.Name}.command must name the program to start.");
        }

        // The gateway's own environment (tokens, cloud credentials) is not handed to child servers unless the
        // configuration says so: they get the SDK's minimal safe set (PATH, HOME, ...) plus their own `env`.
        Dictionary<string, string?> environment = definition.InheritEnvironment
            ? new Dictionary<string, string?>(StringComparer.Ordinal)
            : StdioClientTransportOptions.GetDefaultEnvironmentVariables();
        foreach ((string name, string value) in definition.Env)
        {
            environment[name] = value;
        }

        return new StdioClientTransportOptions
        {
            Name = definition.Name,
            Command = definition.Command[0],
            Arguments = [.. definition.Command.Skip(1)],
            WorkingDirectory = string.IsNullOrEmpty(definition.Cwd) ? null : Path.GetFullPath(definition.Cwd),
            InheritEnvironmentVariables = definition.InheritEnvironment,
            EnvironmentVariables = environment,
            StandardErrorLines = standardErrorLine,
        };
    }
}
