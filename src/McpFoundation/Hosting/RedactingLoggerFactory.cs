using System.Collections;
using McpFoundation.Audit.Redaction;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Hosting;

/// <summary>
/// The host's logger factory, around every provider (console, JSON console, OpenTelemetry): each entry that is written
/// has its message, its string values and its exception's message redacted with the audit's <see cref="Redactor"/>
/// (secrets always, PII as <c>audit.redact_pii</c> says), so that a secret in a tool's error, a server's stderr, a
/// refused path or an operator's reason never reaches a log. An entry with nothing to redact is passed on as it is.
/// </summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner, Redactor redactor) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redactor);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner, Redactor redactor) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            string message = formatter(state, exception);
            string redacted = redactor.Redact(message);
            Exception? safeException = exception is null ? null : RedactedException.Of(exception, redactor);
            IReadOnlyList<KeyValuePair<string, object?>>? values = RedactValues(state as IReadOnlyList<KeyValuePair<string, object?>>);
            if (ReferenceEquals(redacted, message) && ReferenceEquals(safeException, exception) && values is null)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var entry = new RedactedEntry(redacted, values ?? (state as IReadOnlyList<KeyValuePair<string, object?>>) ?? []);
            inner.Log(logLevel, eventId, entry, safeException, static (e, _) => e.Message);
        }

        /// <summary>The structured values with each string redacted; null when none changed.</summary>
        private List<KeyValuePair<string, object?>>? RedactValues(IReadOnlyList<KeyValuePair<string, object?>>? values)
        {
            if (values is null)
            {
                return null;
            }

            List<KeyValuePair<string, object?>>? changed = null;
            for (int i = 0; i < values.Count; i++)
            {
                KeyValuePair<string, object?> pair = values[i];
                if (pair.Value is string text && pair.Key != "{OriginalFormat}" && !ReferenceEquals(redactor.Redact(text), text))
                {
                    changed ??= [.. values];
                    changed[i] = new KeyValuePair<string, object?>(pair.Key, redactor.Redact(text));
                }
            }

            return changed;
        }
    }

    /// <summary>A redacted entry: the message as written, and the structured values for providers that write them.</summary>
    private sealed class RedactedEntry(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}

/// <summary>Stands in a log entry for an exception whose message (or an inner one's) held a secret: the type and the redacted text.</summary>
internal sealed class RedactedException : Exception
{
    private readonly string _text;

    private RedactedException(string message, string text)
        : base(message) => _text = text;

    public RedactedException()
        : this("redacted", "redacted")
    {
    }

    public RedactedException(string message)
        : this(message, message)
    {
    }

    public RedactedException(string message, Exception innerException)
        : base(message, innerException) => _text = message;

    /// <summary><paramref name="exception"/> itself when its text holds nothing to redact, else a stand-in with the text redacted.</summary>
    public static Exception Of(Exception exception, Redactor redactor)
    {
        string text = exception.ToString();
        string redacted = redactor.Redact(text);
        return ReferenceEquals(text, redacted)
            ? exception
            : new RedactedException($"{exception.GetType().FullName}: {redactor.Redact(exception.Message)}", redacted);
    }

    public override string ToString() => _text;
}
