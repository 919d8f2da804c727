namespace McpFoundation.Servers;

/// <summary>
/// Marks the threads that read a child process's stdout. A call whose answer is read there continues on that thread
/// (one thread hop fewer), so the pipeline moves filter completions off it: a filter that blocks by mistake must stall
/// its own call only, not every call of that server.
/// </summary>
internal static class ReaderThread
{
    [ThreadStatic]
    private static bool t_isReader;

    public static bool IsCurrent => t_isReader;

    public static void MarkCurrent() => t_isReader = true;
}
