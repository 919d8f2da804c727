using System.Diagnostics;
using System.Text.RegularExpressions;

namespace McpFoundation.Benchmarks.Load;

/// <summary>
/// A server process the benchmark starts: waits for its "ready" line on stdout or stderr, drains both pipes for its
/// whole life, and kills the whole process tree when disposed.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Lock _tailLock = new();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public string Description { get; private init; } = string.Empty;

    /// <summary>Starts <paramref name="fileName"/> and returns once a line matches <paramref name="ready"/>.</summary>
    public static async Task<(ChildProcess Process, Match Ready)> StartAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        Regex ready,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process) { Description = $"{fileName} {string.Join(' ', arguments)}" };
        var readyLine = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            child.Remember(line);
            if (!readyLine.Task.IsCompleted && ready.Match(line) is { Success: true } match)
            {
                readyLine.TrySetResult(match);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => readyLine.TrySetException(new InvalidOperationException(
            $"'{child.Description}' exited before it was ready. Last output:{Environment.NewLine}{child.Tail()}"));

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start '{child.Description}'.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Match match = await readyLine.Task.WaitAsync(timeout, cancellationToken);
            return (child, match);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            await child.DisposeAsync();
            if (ex is TimeoutException)
            {
                throw new InvalidOperationException(
                    $"'{child.Description}' printed no line matching {ready} within {timeout.TotalSeconds:0} s. Last output:{Environment.NewLine}{child.Tail()}", ex);
            }

            throw;
        }
    }

    public string Tail()
    {
        lock (_tailLock)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>Kills <paramref name="process"/> with its whole tree and waits up to 10 s for it; one already gone, never started or stuck is left as it is.</summary>
    internal static async Task KillTreeAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(wait.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Not started, already gone, or stuck: nothing more we can do from here.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillTreeAsync(_process);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Remember(string line)
    {
        lock (_tailLock)
        {
            if (_tail.Count == TailLines)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(line);
        }
    }
}
