using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace McpFoundation.InteropTests.Infrastructure;

/// <summary>
/// A child process with captured stdout/stderr. Disposing it kills the whole process tree, so nothing the
/// test started outlives it. Waits are event-driven (a line appears, the process exits) and always bounded.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waiters = [];

    private ChildProcess(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    public string Description { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>; stdin is closed at once unless <paramref name="keepStdinOpen"/>.</summary>
    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool keepStdinOpen = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? InteropPaths.RepositoryRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        // Every process a test starts has a default data directory of its own (XDG_DATA_HOME/mcpf), so gateways never
        // share state by accident; processes that must share it name the same settings.data_dir (or MCPF_DATA_DIR).
        info.Environment["XDG_DATA_HOME"] = Path.Combine(Path.GetTempPath(), "mcpf-interop-data", Guid.NewGuid().ToString("N"));
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, $"{fileName} {string.Join(' ', info.ArgumentList)}");
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, child._stdout);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, child._stderr);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!keepStdinOpen)
        {
            process.StandardInput.Close();
        }

        return child;
    }

    /// <summary>Waits until stdout or stderr has a line matching <paramref name="pattern"/>; fails if the process exits first or the time is up.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (string line in (_stdout.ToString() + _stderr.ToString()).Split('\n'))
            {
                Match m = regex.Match(line);
                if (m.Success)
                {
                    return m;
                }
            }

            _waiters.Add((regex, found));
        }

        Task exited = _process.WaitForExitAsync();
        Task winner = await Task.WhenAny(found.Task, exited, Task.Delay(timeout));
        if (winner == found.Task)
        {
            return await found.Task;
        }

        string why = winner == exited ? $"exited with code {_process.ExitCode}" : $"did not print it within {timeout.TotalSeconds:0} s";
        throw new TimeoutException($"Waiting for /{pattern}/ from `{Description}`: the process {why}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
    }

    /// <summary>Waits for the process to exit (and its output to be read to the end); kills the tree and throws when the time is up.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"`{Description}` did not finish within {timeout.TotalSeconds:0} s (killed).\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }
    }

    /// <summary>Closes the child's stdin (end of input: a stdio MCP server should exit).</summary>
    public void CloseStandardInput() => _process.StandardInput.Close();

    /// <summary>Writes one line to the process's stdin (started with keepStdinOpen) and flushes it.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGKILLs this process alone (not its children): a crash, as a test of what survives it needs.</summary>
    public void KillProcessOnly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Reported by the tests that check hygiene; nothing more to do here.
        }

        _process.Dispose();
    }

    private void OnLine(string? line, StringBuilder sink)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            sink.Append(line).Append('\n');
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                Match m = _waiters[i].Pattern.Match(line);
                if (m.Success)
                {
                    _waiters[i].Found.TrySetResult(m);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
