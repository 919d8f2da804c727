using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Client;

namespace McpFoundation.Servers;

/// <summary>
/// Says in one line why a stdio server is gone or could not start: its exit code (or the signal that ended it) and
/// the last lines of its stderr, redacted; or why the command could not be run at all.
/// </summary>
internal static class ProcessExitDescription
{
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int SignalBase = 128;

    /// <summary>E.g. "the process exited with code 3; stderr: boom: missing API key".</summary>
    /// <param name="details">How the process ended.</param>
    /// <param name="redactor">Makes its stderr safe to show.</param>
    /// <param name="when">Said after the exit code, e.g. " before it answered initialize".</param>
    public static string Describe(StdioClientCompletionDetails details, StandardErrorRedactor redactor, string? when = null)
    {
        string exit = details.ExitCode is not { } code ? "the process exited"
            : !OperatingSystem.IsWindows() && code > SignalBase && code < SignalBase + 65
                ? $"the process exited with code {code.ToString(CultureInfo.InvariantCulture)} (killed by signal {(code - SignalBase).ToString(CultureInfo.InvariantCulture)}{SignalName(code - SignalBase)})"
            : $"the process exited with code {code.ToString(CultureInfo.InvariantCulture)}";
        exit += when;
        return redactor.Summarize(details.StandardErrorTail) is { } stderr ? $"{exit}; stderr: {stderr}" : $"{exit} (it wrote nothing to stderr)";
    }

    /// <summary>
    /// Describes a failure to start the process, or returns null if <paramref name="exception"/> is not one. Only for
    /// an attempt that started no process (a pipe error after the start is a socket error, also a Win32Exception).
    /// </summary>
    /// <param name="exception">What starting the server threw.</param>
    /// <param name="serverId">The server's id, to name the setting to fix.</param>
    /// <param name="command">The program the configuration names.</param>
    /// <param name="workingDirectory">The configured working directory, or null.</param>
    public static string? DescribeStartFailure(Exception exception, string serverId, string command, string? workingDirectory)
    {
        Win32Exception? start = Find<Win32Exception>(exception);
        if (start is null or System.Net.Sockets.SocketException)
        {
            return null;
        }

        if (workingDirectory is { Length: > 0 } && !Directory.Exists(workingDirectory))
        {
            return $"the working directory '{workingDirectory}' does not exist; fix servers.{serverId}.cwd";
        }

        return start.NativeErrorCode switch
        {
            ENOENT => $"the command '{command}' was not found; fix servers.{serverId}.command (a full path, or a program on the gateway's PATH)",
            EACCES => $"permission denied running '{command}': is it executable (chmod +x)? fix servers.{serverId}.command",
            _ => $"the command '{command}' could not be run: {start.Message}",
        };
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => ", SIGHUP",
        2 => ", SIGINT",
        6 => ", SIGABRT",
        9 => ", SIGKILL",
        11 => ", SIGSEGV",
        13 => ", SIGPIPE",
        15 => ", SIGTERM",
        _ => string.Empty,
    };
}
