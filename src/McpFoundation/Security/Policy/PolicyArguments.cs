using System.Text.Json;
using McpFoundation.Security.Arguments;

namespace McpFoundation.Security.Policy;

/// <summary>
/// What a rule's <c>when</c> is evaluated on: the canonical paths and URL hosts the argument inspector reported, and the
/// arguments by name. When the inspector reported no path (or URL) argument, top-level string arguments with a path
/// name (<c>path</c>, <c>file</c>, <c>source</c>, ...) or a <c>file:</c>/<c>http(s):</c> value are taken as they are,
/// normalized lexically only (no symlinks: the inspector does that).
/// </summary>
internal sealed class PolicyArguments
{
    private static readonly HashSet<string> PathNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "path", "paths", "file", "filename", "file_path", "filepath", "source", "destination", "directory", "dir", "folder", "root",
    };

    private static readonly HashSet<string> UrlNames = new(StringComparer.OrdinalIgnoreCase) { "url", "uri", "endpoint", "href", "link" };

    private readonly IReadOnlyDictionary<string, JsonElement>? _arguments;
    private readonly ArgumentReport _report;

    public PolicyArguments(IReadOnlyDictionary<string, JsonElement>? arguments, ArgumentReport report)
    {
        _arguments = arguments;
        _report = report;
        Paths = CollectPaths();
        Hosts = CollectHosts();
    }

    /// <summary>Gets every path argument, canonical (or, without the inspector's report, lexically normalized); a path that could not be made absolute is left out.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Gets the host of every URL argument, lower case.</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Gets one top-level argument as text: its canonical form if the inspector checked it as a path or URL, the string, or the JSON text of another value.</summary>
    public string? ValueOf(string name)
    {
        foreach (var checkedArgument in _report.Arguments)
        {
            if (checkedArgument.Name == name && checkedArgument.Kind is ArgumentKind.Path or ArgumentKind.Url && checkedArgument.Canonical is { } canonical)
            {
                return canonical;
            }
        }

        if (_arguments is null || !_arguments.TryGetValue(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
    }

    private List<string> CollectPaths()
    {
        var paths = new List<string>();
        foreach (var argument in _report.Arguments)
        {
            if (argument.Kind == ArgumentKind.Path && argument.Canonical is { } canonical)
            {
                paths.Add(canonical);
            }
        }

        if (paths.Count > 0 || _report.Arguments.Any(static a => a.Kind == ArgumentKind.Path) || _arguments is null)
        {
            return paths;
        }

        foreach (var (name, value) in _arguments)
        {
            if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
            {
                continue;
            }

            if (text.StartsWith("file://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(text, UriKind.Absolute, out var file) && file.IsFile)
            {
                paths.Add(PolicyPaths.Normalize(file.LocalPath));
            }
            else if (PathNames.Contains(name) && text.StartsWith('/') && !text.Contains('\0', StringComparison.Ordinal))
            {
                paths.Add(PolicyPaths.Normalize(text));
            }
        }

        return paths;
    }

    private List<string> CollectHosts()
    {
        var hosts = new List<string>();
        var reported = false;
        foreach (var argument in _report.Arguments)
        {
            if (argument.Kind == ArgumentKind.Url)
            {
                reported = true;
                if (Uri.TryCreate(argument.Canonical ?? argument.Original, UriKind.Absolute, out var uri) && uri.IdnHost is { Length: > 0 } host)
                {
                    hosts.Add(host.ToLowerInvariant());
                }
            }
        }

        if (reported || _arguments is null)
        {
            return hosts;
        }

        foreach (var (name, value) in _arguments)
        {
            if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                && (UrlNames.Contains(name) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.IdnHost is { Length: > 0 } host)
            {
                hosts.Add(host.ToLowerInvariant());
            }
        }

        return hosts;
    }
}
