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

        string? workingDirectory = ResolveWorkingDirectory(definition);
        return new StdioClientTransportOptions
        {
            Name = definition.Name,
            Command = ResolveCommand(definition.Command[0], definition.BaseDirectory is null ? null : workingDirectory),
            Arguments = [.. definition.Command.Skip(1)],
            WorkingDirectory = workingDirectory,
            InheritEnvironmentVariables = definition.InheritEnvironment,
            EnvironmentVariables = environment,
            StandardErrorLines = standardErrorLine,
        };
    }

    /// <summary>
    /// The server's working directory: from a file, <c>cwd</c> resolved against the file's directory (the file's
    /// directory when absent); built in code, <c>cwd</c> resolved against the process's current directory (null, the
    /// current directory, when absent).
    /// </summary>
    internal static string? ResolveWorkingDirectory(ServerDefinition definition)
    {
        string? cwd = string.IsNullOrEmpty(definition.Cwd) ? null : definition.Cwd;
        return definition.BaseDirectory is { } baseDirectory
            ? Path.GetFullPath(cwd ?? ".", baseDirectory)
            : cwd is null ? null : Path.GetFullPath(cwd);
    }

    // A relative executable path ("./server.sh", "bin/server") is relative to the server's working directory, as after
    // a "cd" in a shell; a bare name ("npx") is still looked up on PATH. Only for definitions read from a file: one built
    // in code keeps the process's lookup.
    private static string ResolveCommand(string command, string? workingDirectory)
    {
        bool hasDirectory = command.Contains('/', StringComparison.Ordinal) || (OperatingSystem.IsWindows() && command.Contains('\\', StringComparison.Ordinal));
        return workingDirectory is null || !hasDirectory || Path.IsPathRooted(command)
            ? command
            : Path.GetFullPath(command, workingDirectory);
    }
}
