using System.Collections.Concurrent;
using McpFoundation.Audit.Redaction;
using McpFoundation.Hosting;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Tests.Hosting;

/// <summary>
/// The gateway's logger factory redacts every entry before a provider sees it: the message, the structured values and
/// the exception's text; an entry with nothing to redact reaches the provider unchanged (the same state object).
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class RedactingLoggerFactoryTests
{
    private const string Secret = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";

    [Fact]
    public void Log_SecretInAValue_MessageAndValueRedacted()
    {
        (ILoggerFactory factory, Capture capture) = Create();

        LogStopped(factory.CreateLogger("McpFoundation.Security"), "ops", "key leaked: " + Secret);

        Entry entry = Assert.Single(capture.Entries);
        Assert.DoesNotContain(Secret, entry.Message, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:", entry.Message, StringComparison.Ordinal);
        Assert.StartsWith("Emergency stop by ops: key leaked: ", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(entry.Values, v => v.Value is string s && s.Contains(Secret, StringComparison.Ordinal));
        Assert.Contains(entry.Values, v => v.Key == "Initiator" && (string?)v.Value == "ops");
        Assert.Contains(entry.Values, v => v.Key == "{OriginalFormat}");
    }

    [Fact]
    public void Log_SecretInTheException_ExceptionTextRedacted()
    {
        (ILoggerFactory factory, Capture capture) = Create();

        LogServerFailed(factory.CreateLogger("McpFoundation.Servers"), "fs", new InvalidOperationException("bad token " + Secret));

        Entry entry = Assert.Single(capture.Entries);
        Assert.Equal("Server fs failed", entry.Message);
        Assert.NotNull(entry.Exception);
        Assert.DoesNotContain(Secret, entry.Exception!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, entry.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", entry.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_NothingToRedact_PassedOnUnchanged()
    {
        (ILoggerFactory factory, Capture capture) = Create();
        var exception = new InvalidOperationException("plain");

        ILogger logger = factory.CreateLogger("McpFoundation");
        LogListening(logger, "http://127.0.0.1:8080/mcp", exception);

        Entry entry = Assert.Single(capture.Entries);
        Assert.Equal("Listening on http://127.0.0.1:8080/mcp", entry.Message);
        Assert.Same(exception, entry.Exception);
        Assert.DoesNotContain("RedactedEntry", entry.StateType, StringComparison.Ordinal);
        Assert.Contains(entry.Values, v => v.Key == "Address");
    }

    [Fact]
    public void Log_BelowTheMinimumLevel_NotFormattedOrWritten()
    {
        (ILoggerFactory factory, Capture capture) = Create(LogLevel.Warning);
        bool formatted = false;

        factory.CreateLogger("McpFoundation").Log(LogLevel.Debug, default, Secret, null, (s, _) =>
        {
            formatted = true;
            return s;
        });

        Assert.Empty(capture.Entries);
        Assert.False(formatted);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Emergency stop by {Initiator}: {Reason}")]
    private static partial void LogStopped(ILogger logger, string initiator, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Server {Server} failed")]
    private static partial void LogServerFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address, Exception exception);

    private static (ILoggerFactory Factory, Capture Capture) Create(LogLevel minimum = LogLevel.Trace)
    {
        var capture = new Capture();
        var inner = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(capture));
        return (new RedactingLoggerFactory(inner, Redactor.Default), capture);
    }

    private sealed record Entry(string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> Values, string StateType);

    private sealed class Capture : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(Capture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue(new Entry(formatter(state, exception), exception, state as IReadOnlyList<KeyValuePair<string, object?>> ?? [], state!.GetType().FullName!));
        }
    }
}
