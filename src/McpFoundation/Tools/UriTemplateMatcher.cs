using System.Text;
using System.Text.RegularExpressions;

namespace McpFoundation.Tools;

/// <summary>
/// Matches concrete URIs against an RFC 6570 URI template (levels 1 to 4), to find which server serves a templated
/// resource, and says how specific the template is so that the gateway can choose between servers whose templates
/// overlap (see <see cref="GatewayCatalogue.ResolveResource"/>).
/// </summary>
/// <remarks>
/// An expression matches what its operator can expand to: a simple <c>{x}</c> stays inside one path segment,
/// <c>{/x}</c> adds segments, <c>{?x,y}</c> only the named query parameters, <c>{+x}</c> may span segments but not a
/// fragment. A template that does not parse (an unclosed brace, an unknown operator, a bad variable name) or is longer
/// than <see cref="MaxTemplateLength"/> matches nothing. Matching is ordinal: no case folding widens what a server
/// can claim.
/// </remarks>
internal sealed partial class UriTemplateMatcher
{
    /// <summary>Templates longer than this match nothing: a server cannot make the gateway build huge patterns.</summary>
    public const int MaxTemplateLength = 2048;

    private const string Operators = "+#./;?&";
    private const string ReservedOperators = "=,!@|";
    private readonly Regex? _regex;

    public UriTemplateMatcher(string template)
    {
        Template = template;
        var pattern = new StringBuilder("^");
        int literalLength = 0;
        int? firstExpression = null;
        char firstOperator = '\0';
        string? problem = template.Length > MaxTemplateLength ? $"it is longer than {MaxTemplateLength} characters" : null;
        int position = 0;
        while (problem is null && position < template.Length)
        {
            int open = template.IndexOfAny(['{', '}'], position);
            int literalEnd = open < 0 ? template.Length : open;
            pattern.Append(Regex.Escape(template[position..literalEnd]));
            literalLength += literalEnd - position;
            if (open < 0)
            {
                break;
            }

            int close = template.IndexOfAny(['{', '}'], open + 1);
            if (template[open] == '}' || close < 0 || template[close] == '{')
            {
                problem = $"the brace at {open} is not part of an {{expression}}";
                break;
            }

            string expression = template[(open + 1)..close];
            if (firstExpression is null)
            {
                firstExpression = open;
                firstOperator = expression.Length > 0 ? expression[0] : '\0';
            }

            problem = AppendExpression(pattern, expression);
            position = close + 1;
        }

        if (problem is null)
        {
            pattern.Append('$');

            // Linear-time matching: no template a server sends can make a read backtrack for long.
            _regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }

        Problem = problem;
        LiteralPrefix = template[..(firstExpression ?? template.Length)];
        LiteralLength = literalLength;
        Scheme = SchemePattern().Match(LiteralPrefix) is { Success: true } scheme ? scheme.Groups[1].Value : null;
        IsAnchored = problem is null && Scheme is not null && NamesAuthority(LiteralPrefix, Scheme.Length + 1, firstExpression is null, firstOperator);
    }

    public string Template { get; }

    /// <summary>Gets why the template is not a valid RFC 6570 template (it then matches nothing), or null.</summary>
    public string? Problem { get; }

    /// <summary>Gets the template's text before its first expression (all of it when it has none).</summary>
    public string LiteralPrefix { get; }

    /// <summary>Gets the number of literal (non-expression) characters in the template.</summary>
    public int LiteralLength { get; }

    /// <summary>Gets the URI scheme the literal prefix names, or null (e.g. for <c>{+uri}</c>).</summary>
    public string? Scheme { get; }

    /// <summary>
    /// Gets a value indicating whether the literal prefix pins down where the URIs live: a scheme and a whole
    /// authority (<c>https://api.example.com/{x}</c>, <c>file:///{+path}</c>, <c>db://main{/table}</c>), or for a
    /// URI without an authority, the scheme and at least one more character (<c>urn:isbn:{id}</c>). Templates that
    /// are not anchored (<c>{+uri}</c>, <c>mail:{x}</c>, <c>docs://{+rest}</c>) only serve URIs no other server claims.
    /// </summary>
    public bool IsAnchored { get; }

    public bool IsMatch(string uri) =>
        _regex is not null && uri.StartsWith(LiteralPrefix, StringComparison.Ordinal) && _regex.IsMatch(uri);

    /// <summary>
    /// Orders templates by how much of a URI they pin down: the longer literal prefix first, then more literal
    /// characters in all. Positive when this template is the more specific one.
    /// </summary>
    public int CompareSpecificity(UriTemplateMatcher other)
    {
        int byPrefix = LiteralPrefix.Length.CompareTo(other.LiteralPrefix.Length);
        return byPrefix != 0 ? byPrefix : LiteralLength.CompareTo(other.LiteralLength);
    }

    /// <summary>Gets the scheme of a URI (the part before the first ':'), or null if it has none.</summary>
    public static string? SchemeOf(string uri) => SchemePattern().Match(uri) is { Success: true } scheme ? scheme.Groups[1].Value : null;

    private static bool NamesAuthority(string prefix, int afterScheme, bool wholeTemplate, char nextOperator)
    {
        string rest = prefix[afterScheme..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            return rest.Length > 0;
        }

        // The authority must end inside the literal text: "file:///" (empty authority, then the path) does,
        // "docs://{host}/x" and "docs://ho{st}" do not. An expression that starts with '/', '?' or '#' ends it too.
        return rest.AsSpan(2).IndexOfAny('/', '?', '#') >= 0 || wholeTemplate || nextOperator is '/' or '?' or '#';
    }

    /// <summary>Appends the pattern of one expression (its text without braces); returns the problem if it is invalid.</summary>
    private static string? AppendExpression(StringBuilder pattern, string expression)
    {
        if (expression.Length == 0)
        {
            return "it has an empty expression {}";
        }

        char op = expression[0];
        if (ReservedOperators.Contains(op, StringComparison.Ordinal))
        {
            return $"the operator '{op}' is reserved";
        }

        string[] variables = (Operators.Contains(op, StringComparison.Ordinal) ? expression[1..] : expression).Split(',');
        bool explode = false;
        var names = new List<string>(variables.Length);
        foreach (string variable in variables)
        {
            Match spec = VariablePattern().Match(variable);
            if (!spec.Success)
            {
                return $"'{variable}' is not a variable name";
            }

            names.Add(Regex.Escape(spec.Groups["name"].Value));
            explode |= spec.Groups["explode"].Success;
        }

        // With explode (or a list) one variable can expand to several items, named by its keys for the named operators.
        string count = explode ? "*" : "{0," + variables.Length + "}";
        string name = explode ? "[^=&;/?#]+" : "(?:" + string.Join('|', names) + ")";
        pattern.Append(op switch
        {
            '+' => "[^#]*",                                       // reserved: may contain '/', '?', but not a fragment
            '#' => "(?:#.*)?",
            '.' => @"(?:\.[^/?#]*)" + count,
            '/' => "(?:/[^/?#]*)" + count,
            ';' => $"(?:;{name}(?:=[^;/?#]*)?){count}",
            '?' => $@"(?:\?{name}(?:=[^&#]*)?(?:&{name}(?:=[^&#]*)?)*)?",
            '&' => $"(?:&{name}(?:=[^&#]*)?)*",
            _ => "[^/?#]*",                                       // simple: stays inside one path segment
        });
        return null;
    }

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*):")]
    private static partial Regex SchemePattern();

    [GeneratedRegex(@"^(?<name>(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*)(?::[1-9][0-9]{0,3}|(?<explode>\*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();
}
