using System.Runtime.InteropServices;
using McpFoundation.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpFoundation.Hosting;

/// <summary>
/// Reloads the configuration file when it changes on disk, or when the process gets SIGHUP, if
/// <see cref="McpFoundationOptions.WatchConfigurationFile"/> is set and the configuration came from a file. Changes
/// are debounced (editors write a file in several steps); a file that does not load is reported, error by error with
/// its JSON path, and the running configuration stays as it was.
/// </summary>
internal sealed partial class ConfigurationFileWatcher(
    IOptions<McpFoundationOptions> options,
    GatewayConfigurationProvider provider,
    ConfigurationReloader reloader,
    TimeProvider timeProvider,
    ILogger<ConfigurationFileWatcher> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _reloadSignal = new(0, int.MaxValue);
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _hangup;
    private Task? _loop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.WatchConfigurationFile || provider.Current.SourcePath is not { } path || Path.GetDirectoryName(path) is not { Length: > 0 } directory)
        {
            return Task.CompletedTask;
        }

        _watcher = new FileSystemWatcher(directory, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => _reloadSignal.Release();
        _watcher.Created += (_, _) => _reloadSignal.Release();
        _watcher.Renamed += (_, _) => _reloadSignal.Release();
        _watcher.EnableRaisingEvents = true;
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // SIGHUP reloads; it does not end the gateway.
                _reloadSignal.Release();
            });
        }

        _loop = Task.Run(() => RunAsync(path, _stopping.Token), CancellationToken.None);
        LogWatching(logger, path);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _watcher?.Dispose();
        _hangup?.Dispose();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _hangup?.Dispose();
        _stopping.Dispose();
        _reloadSignal.Dispose();
    }

    private async Task RunAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _reloadSignal.WaitAsync(cancellationToken);
                // Let the writer finish, then take every signal that came meanwhile as one change.
                await Task.Delay(Debounce, timeProvider, cancellationToken);
                while (_reloadSignal.CurrentCount > 0)
                {
                    await _reloadSignal.WaitAsync(cancellationToken);
                }

                await ReloadAsync(path, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReloadAsync(string path, CancellationToken cancellationToken)
    {
        ConfigurationLoadResult loaded;
        try
        {
            loaded = GatewayConfigurationLoader.LoadFile(path, options.Value.Environment ?? GatewayConfigurationLoader.ProcessEnvironment());
        }
        catch (IOException ex)
        {
            LogReloadRejected(logger, path, ex.Message);
            return;
        }

        if (!loaded.IsValid || loaded.Configuration is not { } next)
        {
            foreach (ConfigurationError error in loaded.Errors)
            {
                LogReloadRejected(logger, path, $"{error.Path}: {error.Message}");
            }

            return;
        }

        try
        {
            await reloader.ReloadAsync(next, cancellationToken);
        }
        catch (ConfigurationException ex)
        {
            foreach (ConfigurationError error in ex.Errors)
            {
                LogReloadRejected(logger, path, $"{error.Path}: {error.Message}");
            }
        }
        catch (ArgumentException ex)
        {
            // A server that could not be added (the server limit): the rest of the reload stands.
            LogReloadRejected(logger, path, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1011, EventName = "ConfigurationWatched", Level = LogLevel.Debug, Message = "Watching {Path} for changes (also reloaded on SIGHUP)")]
    private static partial void LogWatching(ILogger logger, string path);

    [LoggerMessage(EventId = 1012, EventName = "ConfigurationReloadRejected", Level = LogLevel.Error, Message = "Configuration {Path} not reloaded, the running configuration stays: {Problem}")]
    private static partial void LogReloadRejected(ILogger logger, string path, string problem);
}
