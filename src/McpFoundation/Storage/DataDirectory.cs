using McpFoundation.Configuration;

namespace McpFoundation.Storage;

/// <summary>
/// Where the gateway keeps its state: <c>settings.data_dir</c> or <c>MCPF_DATA_DIR</c> (a relative path is taken
/// from the configuration file's directory, or the current directory for a configuration built in code), else
/// <c>$XDG_DATA_HOME/mcpf</c>, else <c>~/.local/share/mcpf</c>. The directory is created owner-only (0700) on first use.
/// </summary>
public static class DataDirectory
{
    /// <summary>The variable that names the data directory.</summary>
    public const string Variable = "MCPF_DATA_DIR";

    /// <summary>Returns the full path of the configuration's data directory (not created).</summary>
    /// <param name="configuration">The configuration whose <c>settings.data_dir</c> and file location decide.</param>
    public static string Resolve(GatewayConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Settings.DataDirectory is { Length: > 0 } configured)
        {
            var baseDirectory = configuration.SourcePath is { } source ? Path.GetDirectoryName(Path.GetFullPath(source))! : Environment.CurrentDirectory;
            return Path.GetFullPath(Expand(configured), baseDirectory);
        }

        return Default();
    }

    /// <summary>Returns the default data directory: <c>$XDG_DATA_HOME/mcpf</c> or <c>~/.local/share/mcpf</c>.</summary>
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "mcpf");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "mcpf");
    }

    /// <summary>Creates <paramref name="path"/> (owner-only on Unix) if it does not exist; returns it.</summary>
    /// <param name="path">A full path from <see cref="Resolve"/>.</param>
    public static string EnsureExists(string path)
    {
        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return path;
    }

    internal static bool IsUsablePath(string? text) =>
        !string.IsNullOrWhiteSpace(text) && !text.Contains('\0', StringComparison.Ordinal);

    private static string Expand(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;
}
