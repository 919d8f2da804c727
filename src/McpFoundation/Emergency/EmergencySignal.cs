using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Emergency;

/// <summary>
/// The signal channel: SIGUSR1 to the gateway's process stops it (<c>kill -USR1 &lt;pid&gt;</c>). Not SIGTERM, SIGINT
/// or SIGHUP: those shut the gateway down or reload its configuration. .NET has no <see cref="PosixSignal"/> value for
/// SIGUSR1, but <see cref="PosixSignalRegistration"/> takes a raw signal number on Unix (10 on Linux, 30 on macOS).
/// The handler runs on the runtime's signal thread and only hands the stop to the thread pool.
/// </summary>
internal sealed partial class EmergencySignal : IDisposable
{
    /// <summary>SIGUSR1's number on this platform.</summary>
    public static readonly int SigUsr1 = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 30 : 10;

    private readonly PosixSignalRegistration? _registration;

    private EmergencySignal(PosixSignalRegistration? registration) => _registration = registration;

    /// <summary>Listens for SIGUSR1; on Windows, or where the runtime refuses the raw number, logs that the channel is off.</summary>
    public static EmergencySignal Listen(EmergencyStop stop, ILoggerFactory loggerFactory)
    {
        ILogger logger = loggerFactory.CreateLogger("McpFoundation.Security");
        if (OperatingSystem.IsWindows())
        {
            LogUnavailable(logger, "there are no POSIX signals on Windows");
            return new EmergencySignal(null);
        }

        try
        {
            PosixSignalRegistration registration = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
            {
                context.Cancel = true; // SIGUSR1's default action would end the process.
                LogReceived(logger, Environment.ProcessId);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await stop.TriggerAsync($"SIGUSR1 was sent to the gateway's process {Environment.ProcessId}", "signal", EmergencyChannels.Signal);
                    }
                    catch (Exception ex)
                    {
                        LogFailed(logger, ex);
                    }
                });
            });
            return new EmergencySignal(registration);
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or ArgumentOutOfRangeException)
        {
            LogUnavailable(logger, ex.Message);
            return new EmergencySignal(null);
        }
    }

    public void Dispose() => _registration?.Dispose();

    [LoggerMessage(EventId = 3220, EventName = "EmergencySignalReceived", Level = LogLevel.Critical, Message = "SIGUSR1 received by process {ProcessId}: emergency stop")]
    private static partial void LogReceived(ILogger logger, int processId);

    [LoggerMessage(EventId = 3221, EventName = "EmergencySignalUnavailable", Level = LogLevel.Warning, Message = "The emergency stop does not listen for SIGUSR1: {Reason}; the other channels work")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 3222, EventName = "EmergencySignalFailed", Level = LogLevel.Error, Message = "The emergency stop on SIGUSR1 failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
