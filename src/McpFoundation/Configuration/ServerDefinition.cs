using System.Collections.ObjectModel;
using System.Text;

namespace McpFoundation.Configuration;

/// <summary>
/// One downstream MCP server as configured under <c>servers.&lt;name&gt;</c> (or <c>mcpServers.&lt;name&gt;</c>).
/// Two definitions are equal when all their values are equal (lists in order, maps regardless of order), so a reload
/// can tell which servers changed. <see cref="ToString"/> never prints arguments, environment values, header values,
/// or the query and credentials of the URL, since they may hold secrets.
/// </summary>
public sealed record ServerDefinition
{
    /// <summary>Gets the server's name: the key under <c>servers</c>, also the tool-name prefix.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the transport used to reach the server.</summary>
    public ServerTransport Transport { get; init; }

    /// <summary>Gets the executable followed by its arguments, for <see cref="ServerTransport.Stdio"/>; empty otherwise.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Gets the absolute http or https URL of the server, for <see cref="ServerTransport.Http"/> and <see cref="ServerTransport.Sse"/>; <see langword="null"/> otherwise.</summary>
    public Uri? Url { get; init; }

    /// <summary>Gets the environment variables given to a stdio server. Values are secrets: never log them.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>
    /// Gets the working directory of a stdio server, exactly as written; <see langword="null"/> for the default. A
    /// relative path is resolved against <see cref="BaseDirectory"/>, and the default is <see cref="BaseDirectory"/>
    /// itself; without one (a definition built in code), against and to the process's current directory.
    /// </summary>
    public string? Cwd { get; init; }

    /// <summary>
    /// Gets the directory a stdio server's relative paths are resolved against: its default working directory, the base
    /// of a relative <see cref="Cwd"/>, and of a relative executable path such as <c>./server.sh</c> (resolved against the
    /// working directory). The loader sets it to the configuration file's directory, as Docker Compose does with its
    /// file, so that a file works wherever it is copied; <see langword="null"/> (a definition built in code, or one
    /// added at run time) keeps the process's current directory.
    /// </summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Gets the HTTP headers sent to an http or sse server. Values are secrets: never log them.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Gets a value indicating whether the gateway should start and use the server.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets the time limit of one call to the server; <see langword="null"/> to use <see cref="GatewaySettings.DefaultTimeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Gets how long starting the server may take (start, initialize, list the catalogue; config <c>connect_timeout</c>);
    /// <see langword="null"/> to use <see cref="GatewaySettings.ConnectTimeout"/>.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// Gets a value indicating whether a stdio server inherits the gateway's whole environment (config <c>inherit_env</c>).
    /// When <see langword="false"/> (the default) the child gets only <see cref="Env"/> plus a minimal safe set chosen by the launcher.
    /// </summary>
    public bool InheritEnvironment { get; init; }

    /// <summary>Gets the limits enforced on the server; <see langword="null"/> when none is configured.</summary>
    public SecurityProfile? SecurityProfile { get; init; }

    /// <summary>Compares two definitions by value.</summary>
    /// <param name="other">The other definition.</param>
    /// <returns><see langword="true"/> when every value is equal.</returns>
    public bool Equals(ServerDefinition? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && Transport == other.Transport
        && Command.SequenceEqual(other.Command, StringComparer.Ordinal)
        && Equals(Url, other.Url)
        && MapEquals(Env, other.Env)
        && string.Equals(Cwd, other.Cwd, StringComparison.Ordinal)
        && string.Equals(BaseDirectory, other.BaseDirectory, StringComparison.Ordinal)
        && MapEquals(Headers, other.Headers)
        && Enabled == other.Enabled
        && Timeout == other.Timeout
        && ConnectTimeout == other.ConnectTimeout
        && InheritEnvironment == other.InheritEnvironment
        && Equals(SecurityProfile, other.SecurityProfile);

    /// <summary>Computes a hash code consistent with <see cref="Equals(ServerDefinition?)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(Transport);
        hash.Add(Command.Count);
        hash.Add(Url);
        hash.Add(Env.Count);
        hash.Add(Headers.Count);
        hash.Add(Enabled);
        hash.Add(Timeout);
        hash.Add(ConnectTimeout);
        hash.Add(InheritEnvironment);
        hash.Add(SecurityProfile);
        return hash.ToHashCode();
    }

    private static bool MapEquals(IReadOnlyDictionary<string, string> left, IReadOnlyDictionary<string, string> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        foreach (var pair in left)
        {
            if (!right.TryGetValue(pair.Key, out var value) || !string.Equals(value, pair.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gets what the server is, safe to show in logs and errors: the executable and the number of its arguments (which
    /// may hold tokens), or the URL without credentials, query or fragment.
    /// </summary>
    internal string DisplayTarget =>
        Url is not null ? Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
        : Command.Count == 0 ? "(no command)"
        : Command.Count == 1 ? Command[0]
        : $"{Command[0]} (+{Command.Count - 1} argument{(Command.Count == 2 ? string.Empty : "s")})";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", Transport = ").Append(Transport)
            .Append(", Enabled = ").Append(Enabled);
        if (Command.Count > 0)
        {
            builder.Append(", Command = ").Append(Command[0]);
            if (Command.Count > 1)
            {
                builder.Append(" (+").Append(Command.Count - 1).Append(Command.Count == 2 ? " argument)" : " arguments)");
            }
        }

        if (Url is not null)
        {
            builder.Append(", Url = ").Append(Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
        }

        if (Env.Count > 0)
        {
            builder.Append(", Env = [").Append(string.Join(", ", Env.Keys)).Append(']');
        }

        if (Headers.Count > 0)
        {
            builder.Append(", Headers = [").Append(string.Join(", ", Headers.Keys)).Append(']');
        }

        if (Timeout is { } timeout)
        {
            builder.Append(", Timeout = ").Append(timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('s');
        }

        if (ConnectTimeout is { } connectTimeout)
        {
            builder.Append(", ConnectTimeout = ").Append(connectTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('s');
        }

        if (InheritEnvironment)
        {
            builder.Append(", InheritEnvironment = True");
        }

        if (SecurityProfile is not null)
        {
            builder.Append(", SecurityProfile = ").Append(SecurityProfile);
        }

        return true;
    }
}
