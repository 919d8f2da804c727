using McpFoundation.Configuration;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// One server's profile compiled for the argument checks, once per <see cref="ServerDefinition"/> instance (a reload
/// that changes the server builds a new definition, so a new compilation): the working directory relative paths
/// resolve against, the canonical allowed roots, the extension set and the URL rules.
/// </summary>
internal sealed class ServerArgumentRules
{
    public ServerArgumentRules(ServerDefinition server)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = server;
        Profile = server.SecurityProfile ?? new SecurityProfile();
        RulePrefix = $"servers.{server.Name}.security_profile.";
        IsLocal = server.Transport == ServerTransport.Stdio;
        var baseDirectory = server.BaseDirectory ?? Environment.CurrentDirectory;
        WorkingDirectory = IsLocal ? System.IO.Path.GetFullPath(server.Cwd ?? ".", baseDirectory) : null;
        Roots = [.. Profile.AllowedPaths.Select(root => PathCanonicalizer.CanonicalRoot(System.IO.Path.GetFullPath(ExpandHome(root), baseDirectory), IsLocal))];
        Extensions = new HashSet<string>(Profile.AllowedFileExtensions, StringComparer.OrdinalIgnoreCase);
        Url = new UrlRules(
            Profile.AllowedSchemes.Count == 0 ? UrlRules.DefaultSchemes : new HashSet<string>(Profile.AllowedSchemes, StringComparer.Ordinal),
            Profile.AllowedHosts,
            Profile.AllowPrivateNetwork,
            RulePrefix + "allowed_hosts",
            Profile.AllowedSchemes.Count == 0 ? "url.scheme" : RulePrefix + "allowed_schemes");
        Path = new PathContext(WorkingDirectory, IsLocal, HomeDirectory);
    }

    /// <summary>Gets the gateway user's home directory, for <c>~</c>.</summary>
    public static string HomeDirectory { get; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? home : "/";

    public ServerDefinition Server { get; }

    public SecurityProfile Profile { get; }

    /// <summary>Gets <c>servers.&lt;id&gt;.security_profile.</c>, the start of every profile rule's name.</summary>
    public string RulePrefix { get; }

    /// <summary>Gets a value indicating whether the server runs on this machine (stdio), so symlinks are resolved on the local file system.</summary>
    public bool IsLocal { get; }

    /// <summary>Gets the absolute working directory of a stdio server; null for a remote one.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>Gets the canonical allowed roots (empty: any path).</summary>
    public IReadOnlyList<string> Roots { get; }

    public IReadOnlySet<string> Extensions { get; }

    public UrlRules Url { get; }

    public PathContext Path { get; }

    private static string ExpandHome(string path) =>
        path == "~" ? HomeDirectory : path.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(HomeDirectory, path[2..]) : path;
}
