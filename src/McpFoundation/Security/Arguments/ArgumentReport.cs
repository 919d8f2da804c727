namespace McpFoundation.Security.Arguments;

/// <summary>What an argument is, for the checks that canonicalize it before any decision.</summary>
public enum ArgumentKind
{
    /// <summary>Free text: only the size limits apply.</summary>
    Text,

    /// <summary>A file-system path (or a <c>file:</c> URL): decoded, resolved and compared with allowed roots by segments.</summary>
    Path,

    /// <summary>A URL: parsed strictly, its host resolved and every address checked.</summary>
    Url,

    /// <summary>A command or command argument of a tool classified <c>execute</c>: shell metacharacters and option injection are refused.</summary>
    Command,
}

/// <summary>One checked argument: its original and canonical form, and what (if anything) is wrong with it.</summary>
/// <param name="Name">The argument's name; nested values use a JSON pointer-like path, e.g. <c>edits/0/path</c>.</param>
/// <param name="Kind">What it was checked as.</param>
/// <param name="Original">The value as the client sent it.</param>
/// <param name="Canonical">The canonical form the decision used (a real absolute path, a normalized URL with its resolved addresses); null when it could not be canonicalized.</param>
/// <param name="Note">Why it has that form or why it is refused, in one line (e.g. <c>symlink /srv/data/link → /etc</c>).</param>
public sealed record CheckedArgument(string Name, ArgumentKind Kind, string Original, string? Canonical, string? Note);

/// <summary>One refused argument.</summary>
/// <param name="Argument">The argument's name (as in <see cref="CheckedArgument.Name"/>).</param>
/// <param name="Rule">The limit that refused it: a profile field (<c>servers.fs.security_profile.allowed_paths</c>), a canonicalization rule (<c>path.encoding</c>, <c>url.private_address</c>, <c>command.metacharacter</c>) or a size limit (<c>limits.max_string_length</c>).</param>
/// <param name="Code">The error code (<see cref="Pipeline.GatewayErrorCodes.ArgumentRejected"/>, <see cref="Pipeline.GatewayErrorCodes.ArgumentsInvalid"/>, ...).</param>
/// <param name="Message">What is wrong, naming the argument and its canonical form.</param>
/// <param name="Hint">What to change for it to be allowed.</param>
public sealed record ArgumentViolation(string Argument, string Rule, int Code, string Message, string Hint);

/// <summary>The result of inspecting an operation's arguments: every checked argument and every violation.</summary>
/// <param name="Arguments">Every argument that was checked, in order.</param>
/// <param name="Violations">What was refused; empty when every check passed.</param>
/// <param name="Operation">The tool's operation class (<c>read</c>, <c>write</c>, <c>list</c>, <c>delete</c>, <c>execute</c>, <c>network</c>), null for other categories.</param>
public sealed record ArgumentReport(IReadOnlyList<CheckedArgument> Arguments, IReadOnlyList<ArgumentViolation> Violations, string? Operation)
{
    /// <summary>Gets a report with nothing checked and nothing refused.</summary>
    public static ArgumentReport Empty { get; } = new([], [], null);

    /// <summary>Gets a value indicating whether every check passed.</summary>
    public bool IsClean => Violations.Count == 0;
}
