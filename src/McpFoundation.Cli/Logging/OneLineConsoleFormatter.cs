using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace McpFoundation.Cli.Logging;

/// <summary>
/// Writes each log entry as one line, <c>fail: Category[EventId] message</c>. An exception adds its type and message
/// to the line; its stack trace is written only at debug level (<c>MCP_LOG_LEVEL=debug</c>): a server that is down
/// or a refused call is an expected failure, which deserves a sentence, not forty lines of frames.
/// </summary>
internal sealed class OneLineConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "mcpf";

    private readonly IDisposable? _reload;
    private OneLineConsoleFormatterOptions _options;

    public OneLineConsoleFormatter(IOptionsMonitor<OneLineConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        Exception? exception = logEntry.Exception;
        if (message.Length == 0 && exception is null)
        {
            return;
        }

        textWriter.Write(Abbreviate(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.Write(Flatten(message));
        if (exception is not null)
        {
            if (_options.IncludeStackTraces)
            {
                textWriter.WriteLine();
                textWriter.Write(exception.ToString());
            }
            else if (!message.Contains(exception.Message, StringComparison.Ordinal))
            {
                textWriter.Write(" (");
                textWriter.Write(exception.GetType().Name);
                textWriter.Write(": ");
                textWriter.Write(Flatten(exception.Message));
                textWriter.Write(')');
            }
        }

        textWriter.WriteLine();
    }

    public void Dispose() => _reload?.Dispose();

    private static string Flatten(string text) => text.ReplaceLineEndings(" ");

    private static string Abbreviate(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

/// <summary>Options of <see cref="OneLineConsoleFormatter"/>.</summary>
internal sealed class OneLineConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Gets or sets a value indicating whether an exception's stack trace is written (debug level).</summary>
    public bool IncludeStackTraces { get; set; }
}

/// <summary>The logging of every verb: one line per entry on stderr, stack traces only at debug level.</summary>
internal static class CliLogging
{
    /// <summary>Adds the console on stderr with <see cref="OneLineConsoleFormatter"/>, for a gateway logging at <paramref name="level"/>.</summary>
    public static ILoggingBuilder AddMcpfConsole(this ILoggingBuilder logging, LogLevel level, Telemetry.LogFormat format = Telemetry.LogFormat.Text)
    {
        bool debug = level <= LogLevel.Debug;
        if (format == Telemetry.LogFormat.Json)
        {
            // One JSON object per line on stderr, with the scopes (the operation's CorrelationId) as properties.
            logging.AddFilter("ModelContextProtocol.Client", debug ? level : LogLevel.None);
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
            logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            return logging;
        }

        // The SDK client logs each failed connection to a downstream server with its exception; the gateway's own
        // line (ServerConnectFailed, ServerDisconnected) already says which server and why.
        logging.AddFilter("ModelContextProtocol.Client", debug ? level : LogLevel.None);
        logging.AddConsole(o =>
        {
            o.FormatterName = OneLineConsoleFormatter.FormatterName;
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        logging.AddConsoleFormatter<OneLineConsoleFormatter, OneLineConsoleFormatterOptions>(o => o.IncludeStackTraces = debug);
        return logging;
    }
}
