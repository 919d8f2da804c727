using System.Text;
using System.Text.RegularExpressions;
using McpFoundation.Configuration;

namespace McpFoundation.Servers;

/// <summary>
/// Makes a server's stderr safe to show in health, logs and errors: the values of its environment variables and the
/// arguments that may be tokens are replaced by <c>***</c>, as are <c>token=...</c>, <c>Bearer ...</c> and the like;
/// each line is capped.
/// </summary>
internal sealed partial class StandardErrorRedactor
{
    /// <summary>The longest stderr line shown; longer ones are cut.</summary>
    public const int MaxLineLength = 200;

    private const string Mask = "***";
    private const int MinSecretLength = 4;
    private const int MinPositionalSecretLength = 8;
    private readonly string[] _secrets;

    public StandardErrorRedactor(ServerDefinition definition)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string value in definition.Env.Values)
        {
            Add(secrets, value, MinSecretLength);
        }

        foreach (string value in definition.Headers.Values)
        {
            Add(secrets, value, MinSecretLength);
        }

        if (definition.InheritEnvironment)
        {
            // The gateway's own variables reach the child too; those named like secrets are hidden.
            foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                if (variable.Key is string name && SecretName().IsMatch(name) && variable.Value is string value)
                {
                    Add(secrets, value, MinSecretLength);
                }
            }
        }

        // Arguments may carry tokens (which is why the display form hides them): the value after '=', the argument
        // after a flag named like a secret, and any long positional argument that is not a path or a package name.
        IReadOnlyList<string> command = definition.Command;
        for (int i = 1; i < command.Count; i++)
        {
            string argument = command[i];
            int equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (argument.StartsWith('-'))
            {
                if (equals > 0)
                {
                    Add(secrets, argument[(equals + 1)..], MinSecretLength);
                }
                else if (SecretName().IsMatch(argument) && i + 1 < command.Count)
                {
                    Add(secrets, command[i + 1], MinSecretLength);
                }
            }
            else if (argument.IndexOfAny(['/', '\\', '@', ' ']) < 0)
            {
                Add(secrets, argument, MinPositionalSecretLength);
            }
        }

        // Longest first, so a secret that contains another is masked whole.
        _secrets = [.. secrets.OrderByDescending(s => s.Length)];
    }

    /// <summary>Returns the line with every known secret and secret-looking value masked, capped in length.</summary>
    public string Redact(string line)
    {
        string result = line;
        foreach (string secret in _secrets)
        {
            result = result.Replace(secret, Mask, StringComparison.Ordinal);
        }

        result = Assignment().Replace(result, "$1$2" + Mask);
        result = Credential().Replace(result, "$1 " + Mask);
        return result.Length <= MaxLineLength ? result : string.Concat(result.AsSpan(0, MaxLineLength), "…");
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of a stderr tail, redacted and joined with " | ".</summary>
    public string? Summarize(IReadOnlyList<string>? tail, int count = 3)
    {
        if (tail is null)
        {
            return null;
        }

        var lines = new List<string>(count);
        for (int i = tail.Count - 1; i >= 0 && lines.Count < count; i--)
        {
            if (!string.IsNullOrWhiteSpace(tail[i]))
            {
                lines.Add(Redact(tail[i].Trim()));
            }
        }

        if (lines.Count == 0)
        {
            return null;
        }

        lines.Reverse();
        return new StringBuilder().AppendJoin(" | ", lines).ToString();
    }

    private static void Add(HashSet<string> secrets, string value, int minimumLength)
    {
        if (value.Length >= minimumLength)
        {
            secrets.Add(value);
        }
    }

    [GeneratedRegex("token|secret|passw|api[_-]?key|apikey|credential|auth|private[_-]?key", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    // token=abc, "api_key": "abc", password: abc
    [GeneratedRegex("""([\w.-]*(?:token|secret|passw(?:or)?d|api[_-]?key|apikey|credential)s?[\w.-]*"?)(\s*[:=]\s*"?)[^\s"',;&]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Assignment();

    // Authorization: Bearer abc / Basic abc
    [GeneratedRegex("""\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Credential();
}
