namespace McpFoundation.Configuration;

/// <summary>
/// Collects errors, warnings and unknown fields in document order. Unknown fields become errors or warnings only
/// at <see cref="Finish"/>, once environment overrides have decided whether validation is strict.
/// </summary>
internal sealed class ConfigurationDiagnostics
{
    private readonly List<Entry> _entries = [];

    private enum Kind
    {
        Error,
        Warning,
        UnknownField,
    }

    /// <summary>Gets the number of errors recorded so far (unknown fields not counted).</summary>
    public int ErrorCount { get; private set; }

    public void Error(string path, string message)
    {
        _entries.Add(new Entry(Kind.Error, new ConfigurationError(path, message)));
        ErrorCount++;
    }

    public void Warning(string path, string message) =>
        _entries.Add(new Entry(Kind.Warning, new ConfigurationError(path, message)));

    /// <summary>Records a field the schema does not know, with a "did you mean" hint when a known name is close.</summary>
    public void UnknownField(string path, string name, IReadOnlyCollection<string> known)
    {
        var suggestion = FieldSuggester.Closest(name, known);
        var message = suggestion is null
            ? $"is not a known field; remove it, or use one of: {string.Join(", ", known)}"
            : $"is not a known field; did you mean \"{suggestion}\"?";
        _entries.Add(new Entry(Kind.UnknownField, new ConfigurationError(path, message)));
    }

    /// <summary>Builds the result: unknown fields are errors when <paramref name="strict"/>, warnings otherwise; the configuration is dropped when there is any error.</summary>
    public ConfigurationLoadResult Finish(GatewayConfiguration? configuration, bool strict)
    {
        var errors = new List<ConfigurationError>();
        var warnings = new List<ConfigurationError>();
        foreach (var entry in _entries)
        {
            switch (entry.Kind)
            {
                case Kind.Error:
                    errors.Add(entry.Value);
                    break;
                case Kind.Warning:
                    warnings.Add(entry.Value);
                    break;
                case Kind.UnknownField when strict:
                    errors.Add(entry.Value);
                    break;
                default:
                    warnings.Add(entry.Value with { Message = entry.Value.Message + " (ignored: strict validation is off)" });
                    break;
            }
        }

        return new ConfigurationLoadResult(errors.Count == 0 ? configuration : null, errors, warnings);
    }

    private readonly record struct Entry(Kind Kind, ConfigurationError Value);
}
