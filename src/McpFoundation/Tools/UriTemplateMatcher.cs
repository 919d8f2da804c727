using System.Text;
using System.Text.RegularExpressions;

namespace McpFoundation.Tools;

/// <summary>Matches concrete URIs against RFC 6570 URI templates, to find which server serves a templated resource.</summary>
internal sealed class UriTemplateMatcher
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);
    private readonly Regex _regex;

    public UriTemplateMatcher(string template)
    {
        Template = template;
        var pattern = new StringBuilder("^");
        int position = 0;
        while (position < template.Length)
        {
            int open = template.IndexOf('{', position);
            if (open < 0)
            {
                pattern.Append(Regex.Escape(template[position..]));
                break;
            }

            pattern.Append(Regex.Escape(template[position..open]));
            int close = template.IndexOf('}', open);
            if (close < 0)
            {
                pattern.Append(Regex.Escape(template[open..]));
                break;
            }

            char op = close > open + 1 ? template[open + 1] : ' ';
            pattern.Append(op switch
            {
                '+' or '#' => ".*",            // reserved expansion may contain '/'
                '?' or '&' or ';' => "[^#]*",  // query-style expansions, possibly empty
                '/' or '.' => "[^?#]*",
                _ => "[^/?#]+",                // simple expansion: one path segment
            });
            position = close + 1;
        }

        pattern.Append('$');
        _regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
    }

    public string Template { get; }

    public bool IsMatch(string uri)
    {
        try
        {
            return _regex.IsMatch(uri);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
