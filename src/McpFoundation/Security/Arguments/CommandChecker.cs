using System.Buffers;

namespace McpFoundation.Security.Arguments;

/// <summary>
/// Checks a command argument of a tool classified <c>execute</c>: shell metacharacters (<c>;</c> <c>|</c> <c>&amp;</c>
/// <c>$(</c> <c>${</c> backticks <c>&gt;</c> <c>&lt;</c> newlines) and a leading <c>-</c> (option injection) are refused
/// unless the profile sets <c>tools.&lt;tool&gt;.allow_shell</c>.
/// </summary>
internal static class CommandChecker
{
    private const string Hint = "send a plain command and arguments without shell syntax, or set tools.<tool>.allow_shell: true in the server's security_profile if the tool never passes them to a shell";

    private static readonly SearchValues<char> Metacharacters = SearchValues.Create(";|&`><\n\r");

    public static CheckResult Check(string value)
    {
        var index = value.AsSpan().IndexOfAny(Metacharacters);
        if (index >= 0)
        {
            return CheckResult.Refuse("command.metacharacter", $"holds the shell metacharacter {Describe(value[index])}, which can chain or redirect commands", Hint.Replace("<tool>", "TOOL", StringComparison.Ordinal));
        }

        var dollar = value.IndexOf('$', StringComparison.Ordinal);
        while (dollar >= 0 && dollar + 1 < value.Length)
        {
            if (value[dollar + 1] is '(' or '{')
            {
                return CheckResult.Refuse("command.metacharacter", $"holds the shell expansion ${value[dollar + 1]}, which runs or substitutes commands", Hint.Replace("<tool>", "TOOL", StringComparison.Ordinal));
            }

            dollar = value.IndexOf('$', dollar + 1);
        }

        if (value.TrimStart().StartsWith('-'))
        {
            return CheckResult.Refuse("command.option_injection", "starts with -, so the program would read it as an option (option injection)", "pass values that do not start with -, or set tools.TOOL.allow_shell: true in the server's security_profile if options are meant");
        }

        return CheckResult.Accept(value);
    }

    private static string Describe(char c) => c switch
    {
        '\n' => "newline",
        '\r' => "carriage return",
        '`' => "` (backtick)",
        _ => c.ToString(),
    };
}
