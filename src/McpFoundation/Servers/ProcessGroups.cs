using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace McpFoundation.Servers;

/// <summary>
/// Runs each stdio server in a process group of its own and stops the whole group, so that nothing a server started
/// (an <c>npm exec → sh → node</c> tree) outlives it. .NET's <see cref="Process"/> cannot set a process group, so the
/// server is launched through util-linux <c>setsid</c>, which makes the new process the leader of a new session and
/// group (its pid is the group id) and then executes the server in place (same pid). Without <c>setsid</c> (not
/// Linux, or not installed) servers start as before and are stopped by their process tree.
/// </summary>
internal static class ProcessGroups
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    private const int NoSuchProcess = 3; // ESRCH

    private static readonly string? Setsid = FindSetsid();
    private static readonly ConcurrentDictionary<int, byte> Live = new();

    static ProcessGroups()
    {
        // Whatever way the gateway's process ends (a host that was not disposed, a shutdown cut short), groups it
        // still owns are killed rather than left to PID 1.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>
    /// Rewrites <paramref name="start"/> (file name and arguments already set) to launch through <c>setsid</c>. Returns
    /// false, leaving it unchanged, when there is no <c>setsid</c> or the program cannot be resolved the way
    /// <see cref="Process.Start()"/> resolves it: then starting it directly gives .NET's own error.
    /// </summary>
    public static bool TryLaunchInOwnGroup(ProcessStartInfo start)
    {
        if (Setsid is null || ResolveProgram(start.FileName) is not { } program)
        {
            return false;
        }

        start.ArgumentList.Insert(0, program);
        start.FileName = Setsid;
        return true;
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

    private static string? FindSetsid() =>
        OperatingSystem.IsLinux()
            ? (IsExecutableFile("/usr/bin/setsid") ? "/usr/bin/setsid" : IsExecutableFile("/bin/setsid") ? "/bin/setsid" : null)
            : null;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SA1300, IDE1006 // the C name
    private static extern int kill(int pid, int signal);
#pragma warning restore SA1300, IDE1006
}
