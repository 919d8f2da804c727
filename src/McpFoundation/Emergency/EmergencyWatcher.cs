using System.Text;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Emergency;

/// <summary>
/// The emergency stop's channels that need watching, each on a loop of its own so that none depends on another:
/// the state store (<c>mcpf stop</c>/<c>mcpf resume</c> from another terminal, another gateway on the same data
/// directory), polled for the version of <c>emergency/state</c> every <see cref="PollInterval"/>; and the sentinel
/// file, looked for every <see cref="PollInterval"/>. Both run on the thread pool, never on a request path. The state
/// store is also read once at start, before any server starts, so that a gateway started while stopped comes up stopped.
/// </summary>
internal sealed partial class EmergencyWatcher : IAsyncDisposable
{
    /// <summary>How often the state store and the sentinel file are looked at (a change is noticed within it).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const int MaxReasonBytes = 4096;

    // How long an empty stop file is given to receive its reason before the stop goes ahead without one.
    private static readonly TimeSpan EmptyFileGrace = TimeSpan.FromMilliseconds(100);

    private readonly EmergencyStop _stop;
    private readonly EmergencyStateStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private long _version;
    private Task? _storeLoop;
    private Task? _fileLoop;
    private string? _lastStoreError;
    private int _disposed;

    public EmergencyWatcher(EmergencyStop stop, EmergencyStateStore store, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _stop = stop;
        _store = store;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger("McpFoundation.Security");
    }

    /// <summary>Reads the saved state (a stopped gateway starts stopped; an unreadable store too, fail closed) and starts both loops.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_storeLoop is not null)
        {
            return;
        }

        try
        {
            if (await Task.Run(() => _store.ReadAsync(cancellationToken), cancellationToken) is { } saved)
            {
                _version = saved.Version;
                if (saved.State.IsActive)
                {
                    LogStartedStopped(_logger, saved.State.Initiator ?? "?", saved.State.Reason ?? "?");
                    await _stop.ApplyStoredAsync(saved.State, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnreadableAtStart(_logger, ex);
            await _stop.TriggerAsync(
                $"the saved emergency state could not be read ({ex.GetType().Name}: {ex.Message}), so the gateway started stopped (fail closed); fix the data directory, then resume",
                "gateway",
                EmergencyChannels.StateStore,
                persist: false,
                cancellationToken);
        }

        await CheckStopFileAsync();
        _storeLoop = Task.Run(() => WatchStoreAsync(_stopping.Token), CancellationToken.None);
        _fileLoop = Task.Run(() => WatchStopFileAsync(_stopping.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (Task? loop in new[] { _storeLoop, _fileLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _stopping.Dispose();
    }

    private async Task WatchStoreAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _timeProvider);
        while (await TickAsync(timer, cancellationToken))
        {
            try
            {
                // The version alone first: one indexed row, and nothing parsed while nothing changed.
                long version = await _store.ReadVersionAsync(cancellationToken);
                if (version == Volatile.Read(ref _version))
                {
                    continue;
                }

                if (await _store.ReadAsync(cancellationToken) is { } saved)
                {
                    Volatile.Write(ref _version, saved.Version);
                    await _stop.ApplyStoredAsync(saved.State, cancellationToken);
                }

                _lastStoreError = null;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Logged once per kind of failure, not every 200 ms; the other channels go on regardless.
                if (_lastStoreError != ex.Message)
                {
                    _lastStoreError = ex.Message;
                    LogStoreWatchFailed(_logger, ex);
                }
            }
        }
    }

    private async Task WatchStopFileAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PollInterval, _timeProvider);
        while (await TickAsync(timer, cancellationToken))
        {
            await CheckStopFileAsync();
        }
    }

    private async Task CheckStopFileAsync()
    {
        try
        {
            string path = _stop.StopFilePath;
            if (_stop.IsActive || !File.Exists(path))
            {
                return;
            }

            // An empty file may be one being written (`echo reason > FILE` creates it, then writes): it is read again
            // once, a moment later, so that the stop carries the operator's reason.
            string? reason = await ReadReasonAsync(path);
            if (reason is null)
            {
                await Task.Delay(EmptyFileGrace, _timeProvider);
                reason = await ReadReasonAsync(path) ?? NoReason(path);
            }

            await _stop.TriggerAsync(reason, EmergencyChannels.StopFile, EmergencyChannels.StopFile);
        }
        catch (Exception ex)
        {
            LogStopFileFailed(_logger, ex);
        }
    }

    private static async Task<bool> TickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The reason of a stop whose file says none (empty, or unreadable).</summary>
    private static string NoReason(string path) => $"the stop file {path} appeared";

    /// <summary>The file's first 4 KB as the reason; null when it is empty; a sentence naming the file when it cannot be read.</summary>
    private static async Task<string?> ReadReasonAsync(string path)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: false);
            byte[] buffer = new byte[MaxReasonBytes];
            int read = await file.ReadAsync(buffer);
            string text = Encoding.UTF8.GetString(buffer, 0, read).Trim();
            return text.Length == 0 ? null : $"{text} (stop file {path})";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return NoReason(path);
        }
    }

    [LoggerMessage(EventId = 3210, EventName = "EmergencyStartedStopped", Level = LogLevel.Critical,
        Message = "The gateway starts under the emergency stop saved in the state store (by {Initiator}: {Reason}); every call is refused until resumed")]
    private static partial void LogStartedStopped(ILogger logger, string initiator, string reason);

    [LoggerMessage(EventId = 3211, EventName = "EmergencyStateUnreadable", Level = LogLevel.Critical,
        Message = "The saved emergency state could not be read; the gateway starts stopped (fail closed)")]
    private static partial void LogUnreadableAtStart(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3212, EventName = "EmergencyStateWatchFailed", Level = LogLevel.Error,
        Message = "Reading the emergency state from the state store failed; mcpf stop from another terminal is not seen until it works again (the other channels still work)")]
    private static partial void LogStoreWatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3213, EventName = "EmergencyStopFileFailed", Level = LogLevel.Error,
        Message = "Checking the emergency stop file failed")]
    private static partial void LogStopFileFailed(ILogger logger, Exception exception);
}
