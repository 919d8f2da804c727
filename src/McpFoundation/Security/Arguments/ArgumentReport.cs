using System.Text.Json;
using System.Text.Json.Nodes;

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
/// <param name="Name">The argument's name; nested values use a JSON pointer-like path, e.g. <c>edits/0/path</c> (a <c>/</c> or <c>~</c> inside a property name is written <c>~1</c> / <c>~0</c>, as in RFC 6901).</param>
/// <param name="Kind">What it was checked as.</param>
/// <param name="Original">The value as the client sent it.</param>
/// <param name="Canonical">The canonical form the decision used (a real absolute path, a normalized URL with its resolved addresses); null when it could not be canonicalized.</param>
/// <param name="Note">Why it has that form or why it is refused, in one line (e.g. <c>symlink /srv/data/link → /etc</c>).</param>
public sealed record CheckedArgument(string Name, ArgumentKind Kind, string Original, string? Canonical, string? Note)
{
    /// <summary>
    /// Gets a value indicating whether the server must receive <see cref="Canonical"/> instead of <see cref="Original"/>:
    /// true for a path argument checked against <c>allowed_paths</c> whose canonical form differs, so the server opens
    /// exactly the file the decision was about. <see cref="ArgumentReport.WithCanonicalArguments"/> applies these.
    /// </summary>
    public bool ReplaceWithCanonical { get; init; }
}

/// <summary>One refused argument.</summary>
/// <param name="Argument">The argument's name (as in <see cref="CheckedArgument.Name"/>); empty when the violation is about the whole call (its operation class, the caller, the total size, the schema as a whole).</param>
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

    /// <summary>Gets a value indicating whether some argument must be forwarded in its canonical form (see <see cref="CheckedArgument.ReplaceWithCanonical"/>).</summary>
    public bool HasReplacements => Arguments.Any(argument => argument.ReplaceWithCanonical);

    /// <summary>
    /// Builds the arguments the server must receive: <paramref name="arguments"/> with every argument marked
    /// <see cref="CheckedArgument.ReplaceWithCanonical"/> set to its canonical form (nested ones too). The policy filter
    /// passes the result to <c>OperationContext.ReplaceArguments</c> when <see cref="HasReplacements"/> is true.
    /// </summary>
    /// <param name="arguments">The arguments that were inspected.</param>
    /// <returns>The same dictionary when nothing is replaced; otherwise a new one.</returns>
    public IReadOnlyDictionary<string, JsonElement> WithCanonicalArguments(IReadOnlyDictionary<string, JsonElement> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!HasReplacements)
        {
            return arguments;
        }

        var result = new Dictionary<string, JsonElement>(arguments, StringComparer.Ordinal);
        var edited = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var argument in Arguments)
        {
            if (!argument.ReplaceWithCanonical || argument.Canonical is null)
            {
                continue;
            }

            var segments = ArgumentNames.Split(argument.Name);
            if (segments.Count == 1)
            {
                result[segments[0]] = JsonSerializer.SerializeToElement(argument.Canonical, ArgumentsJsonContext.Default.String);
                edited.Remove(segments[0]);
                continue;
            }

            if (!edited.TryGetValue(segments[0], out var root))
            {
                if (!result.TryGetValue(segments[0], out var element))
                {
                    continue;
                }

                root = JsonNode.Parse(element.GetRawText());
                edited[segments[0]] = root;
            }

            var node = root;
            for (var i = 1; i < segments.Count - 1 && node is not null; i++)
            {
                node = node is JsonArray array ? (int.TryParse(segments[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < array.Count ? array[index] : null) : node[segments[i]];
            }

            switch (node)
            {
                case JsonObject parent:
                    parent[segments[^1]] = argument.Canonical;
                    break;
                case JsonArray list when int.TryParse(segments[^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at) && at < list.Count:
                    list[at] = argument.Canonical;
                    break;
            }
        }

        foreach (var (name, node) in edited)
        {
            result[name] = JsonSerializer.SerializeToElement(node, ArgumentsJsonContext.Default.JsonNode);
        }

        return result;
    }
}
