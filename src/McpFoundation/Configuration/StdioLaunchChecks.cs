namespace McpFoundation.Configuration;

/// <summary>
/// Looks, before anything is started, for the two mistakes that make a stdio server fail at its first start: a
/// <c>command[0]</c> that is not found on PATH (or is not executable) and a <c>cwd</c> that does not exist.
/// <c>mcpf config check</c> prints them as warnings (the exit code stays 0): the machine that checks a file need not
/// be the one that runs it. Enabled stdio servers only.
/// </summary>
internal static class StdioLaunchChecks
{
    /// <summary>Checks every enabled stdio server against this process's PATH and current directory.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>One warning per problem, located by its JSON path, in configuration order.</returns>
    public static IReadOnlyList<ConfigurationError> Find(GatewayConfiguration configuration) =>
        Find(configuration, Environment.GetEnvironmentVariable("PATH"), Environment.CurrentDirectory);

    /// <summary>Checks every enabled stdio server.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="pathVariable">The PATH the gateway finds bare commands on.</param>
    /// <param name="currentDirectory">The directory the gateway runs in (a relative command with a slash is resolved against it).</param>
    /// <returns>One warning per problem, located by its JSON path, in configuration order.</returns>
    public static IReadOnlyList<ConfigurationError> Find(GatewayConfiguration configuration, string? pathVariable, string currentDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var warnings = new List<ConfigurationError>();
        foreach (var (name, server) in configuration.Servers)
        {
            if (server.Transport != ServerTransport.Stdio || !server.Enabled || server.Command.Count == 0)
            {
                continue;
            }

            // As the launcher does: a relative command with a slash is relative to the server's working directory when the
            // definition came from a file (Servers/ServerTransportFactory), else to the directory mcpf runs in.
            string? workingDirectory = server.BaseDirectory is null ? null : Servers.ServerTransportFactory.ResolveWorkingDirectory(server);
            if (CheckCommand(server.Command[0], pathVariable, workingDirectory ?? currentDirectory, workingDirectory is not null) is { } problem)
            {
                warnings.Add(new ConfigurationError($"servers.{name}.command[0]", problem));
            }

            if (!string.IsNullOrEmpty(server.Cwd))
            {
                string baseDirectory = configuration.SourcePath is { } source ? Path.GetDirectoryName(source)! : currentDirectory;
                string cwd = Path.GetFullPath(server.Cwd, baseDirectory);
                if (!Directory.Exists(cwd))
                {
                    string resolved = Path.IsPathRooted(server.Cwd)
                        ? ""
                        : $" (a relative cwd is resolved against the configuration file's directory, {baseDirectory})";
                    warnings.Add(new ConfigurationError($"servers.{name}.cwd", $"directory '{cwd}' does not exist{resolved}; create it or correct the path"));
                }
            }
        }

        return warnings;
    }

    private static string? CheckCommand(string command, string? pathVariable, string currentDirectory, bool againstServerDirectory)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            string full = Path.GetFullPath(command, currentDirectory);
            if (!File.Exists(full))
            {
                string against = againstServerDirectory ? "the server's working directory" : "the directory mcpf runs in";
                string resolved = Path.IsPathRooted(command) ? "" : $" (resolved against {against}, {currentDirectory})";
                return $"'{full}' does not exist{resolved}; correct the path or write the full path of the program";
            }

            return IsExecutable(full) ? null : NotExecutable(full);
        }

        string[] directories = [.. (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries), currentDirectory];
        string? notExecutable = null;
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, command);
            if (File.Exists(candidate))
            {
                if (IsExecutable(candidate))
                {
                    return null;
                }

                notExecutable ??= candidate;
            }
        }

        return notExecutable is not null
            ? NotExecutable(notExecutable)
            : $"'{command}' is not found on PATH; install it, or write the full path of the program (PATH is {pathVariable ?? "not set"})";
    }

    private static string NotExecutable(string path) =>
        $"'{path}' is not executable; make it executable (chmod +x) or start it through its interpreter, e.g. [\"node\", \"{path}\"]";

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & AnyExecute) != 0;
    }
}
