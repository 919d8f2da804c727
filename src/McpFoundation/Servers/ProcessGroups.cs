using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace McpFoundation.Servers;

/// <summary>
/// Runs each stdio server in a process group of its own and stops the whole group, so that nothing a server started
/// (an <c>npm exec → sh → node</c> tree) outlives it. .NET's <see cref="Process"/> cannot set a process group on Unix,
/// so the server is launched through coreutils <c>timeout 0</c>: without <c>--foreground</c>, <c>timeout</c> moves
/// itself into a new process group (its pid is the group id) and runs the server as its child in that group, a
/// duration of 0 never times out, the server's exit code is passed on and a signal that killed it is raised again.
/// The group stays in the gateway's session: a new session (<c>setsid</c>) would also put the server in a scheduler
/// autogroup of its own, which on a busy machine halved the gateway's throughput (docs/PERFORMANCE.md). Whether the
/// group was really made is checked after the start; without it (not Linux, no GNU-compatible <c>timeout</c>)
/// servers are stopped by their process tree.
/// </summary>
internal static class ProcessGroups
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    private const int NoSuchProcess = 3; // ESRCH

    private static readonly string? Timeout = FindTimeout();
    private static readonly TimeSpan GroupCheckLimit = TimeSpan.FromMilliseconds(500);
    private static readonly ConcurrentDictionary<int, byte> Live = new();

    static ProcessGroups()
    {
        // Whatever way the gateway's process ends (a host that was not disposed, a shutdown cut short), groups it
        // still owns are killed rather than left to PID 1.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>
    /// Rewrites <paramref name="start"/> (file name and arguments already set) to launch through <c>timeout 0</c>.
    /// Returns false, leaving it unchanged, when there is no <c>timeout</c> or the program cannot be resolved the way
    /// <see cref="Process.Start()"/> resolves it: then starting it directly gives .NET's own error.
    /// </summary>
    public static bool TryLaunchInOwnGroup(ProcessStartInfo start)
    {
        if (Timeout is null || ResolveProgram(start.FileName) is not { } program)
        {
            return false;
        }

        start.ArgumentList.Insert(0, program);
        start.ArgumentList.Insert(0, "0");
        start.FileName = Timeout;
        return true;
    }

    /// <summary>
    /// Whether the process started by <see cref="TryLaunchInOwnGroup"/> leads its own group: <c>timeout</c> makes the
    /// group first thing after it starts, so this waits a moment for it; false when it never does (a <c>timeout</c>
    /// that does not make groups, or one that exited at once).
    /// </summary>
    public static bool LeadsOwnGroup(int pid)
    {
        long deadline = Environment.TickCount64 + (long)GroupCheckLimit.TotalMilliseconds;
        while (true)
        {
            int group = getpgid(pid);
            if (group == pid)
            {
                return true;
            }

            if (group < 0 || Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Records a group the gateway owns until <see cref="Forget"/>, so that it is killed if the gateway exits first.</summary>
    public static void Track(int groupId) => Live[groupId] = 0;

    public static void Forget(int groupId) => Live.TryRemove(groupId, out _);

    /// <summary>Sends <paramref name="signal"/> to every process of the group; false when the group has no process left.</summary>
    public static bool Signal(int groupId, int signal)
    {
        if (kill(-groupId, signal) == 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() != NoSuchProcess;
    }

    /// <summary>Whether any process of the group is left (a zombie not reaped yet counts).</summary>
    public static bool IsAlive(int groupId) => Signal(groupId, 0);

    private static void KillAll()
    {
        foreach (int groupId in Live.Keys)
        {
            Signal(groupId, SigKill);
        }
    }

    /// <summary>The program <see cref="Process.Start()"/> would run for <paramref name="fileName"/> (a rooted path; else next to the running executable, in the current directory, on PATH), or null.</summary>
    internal static string? ResolveProgram(string fileName)
    {
        if (fileName.Length == 0)
        {
            return null;
        }

        if (Path.IsPathRooted(fileName))
        {
            return IsExecutableFile(fileName) ? fileName : null;
        }

        var candidates = new List<string>();
        if (Path.GetDirectoryName(Environment.ProcessPath) is { Length: > 0 } processDirectory)
        {
            candidates.Add(Path.Combine(processDirectory, fileName));
        }

        candidates.Add(Path.Combine(Directory.GetCurrentDirectory(), fileName));
        if (!fileName.Contains('/', StringComparison.Ordinal))
        {
            foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                candidates.Add(Path.Combine(directory, fileName));
            }
        }

        return candidates.FirstOrDefault(IsExecutableFile) is { } found ? Path.GetFullPath(found) : null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return false;
        }

        const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & AnyExecute) != 0;
    }

    private static string? FindTimeout() =>
        OperatingSystem.IsLinux()
            ? (IsExecutableFile("/usr/bin/timeout") ? "/usr/bin/timeout" : IsExecutableFile("/bin/timeout") ? "/bin/timeout" : null)
            : null;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SA1300, IDE1006 // the C name
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int getpgid(int pid);
#pragma warning restore SA1300, IDE1006
}
