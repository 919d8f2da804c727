using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>The gateway goes away with its client or on SIGTERM, and takes its downstream servers and everything they started along.</summary>
[Collection(InteropTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class ProcessHygieneTests(InteropGateway gateway)
{
    [Fact]
    public async Task StdioGateway_ExitsWhenItsClientClosesStdin_AndStopsItsDownstreams()
    {
        IReadOnlyList<string> command = gateway.StdioCommand;
        await using ChildProcess mcpf = ChildProcess.Start(command[0], command.Skip(1), keepStdinOpen: true);

        // Both downstreams connected: the gateway logs each server's state change on stderr.
        await mcpf.WaitForLineAsync("Server everything is now Connected", InteropGateway.StartTimeout);
        await mcpf.WaitForLineAsync("Server fixture is now Connected", InteropGateway.StartTimeout);
        int[] downstreams = ChildrenOf(mcpf.Id);
        Assert.NotEmpty(downstreams);

        mcpf.CloseStandardInput();
        Assert.Equal(0, await mcpf.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // No downstream server outlives the gateway (they may take a moment to notice their stdin closed).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (downstreams.Any(IsAlive) && !deadline.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        Assert.True(!downstreams.Any(IsAlive), $"still running after the gateway exited: {string.Join(", ", downstreams.Where(IsAlive))}\n{mcpf.StandardError}");
    }

    /// <summary>
    /// SIGTERM to <c>mcpf serve</c> stops every process its stdio servers started: the <c>npm exec → sh → node</c> tree
    /// of an <c>npx</c>-launched server, and a server whose group has a process that ignores SIGTERM (killed after the
    /// shutdown timeout). Every process of both trees carries a marker in its environment.
    /// </summary>
    [Theory]
    [InlineData("--http", "http://127.0.0.1:0")]
    [InlineData("--stdio")]
    public async Task Serve_Sigterm_LeavesNoProcessOfItsServersTrees(params string[] front)
    {
        string marker = "mcpf-hygiene-" + Guid.NewGuid().ToString("N");
        string directory = Directory.CreateTempSubdirectory("mcpf-hygiene-").FullName;
        string config = Path.Combine(directory, "gateway.json");
        var env = new Dictionary<string, string> { ["MCPF_TEST_MARKER"] = marker };
        string stubborn = $"trap '' TERM; sleep 300 </dev/null >/dev/null 2>&1 & exec '{InteropPaths.Node22}' '{InteropPaths.ServerEverything}' stdio";
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["servers"] = new Dictionary<string, object>
            {
                ["npx"] = new { command = new[] { "npx", "--prefix", InteropPaths.NpmTools, "--no-install", "--", "mcp-server-everything", "stdio" }, env },
                ["stubborn"] = new { command = new[] { "sh", "-c", stubborn }, env },
            },
        }));
        try
        {
            await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", config, .. front], keepStdinOpen: true);
            await mcpf.WaitForLineAsync("Server npx is now Connected", InteropGateway.StartTimeout);
            await mcpf.WaitForLineAsync("Server stubborn is now Connected", InteropGateway.StartTimeout);
            int[] tree = ProcessesWithMarker(marker);
            Assert.True(tree.Length >= 4, $"expected npm, sh, node, sh/node and sleep with the marker, found {tree.Length}");

            // Each server leads a group of its own, but stays in the gateway's session: a session of its own would also
            // give it a scheduler autogroup of its own, which halved the gateway's throughput under load.
            (int gatewayGroup, int gatewaySession) = GroupAndSession(mcpf.Id);
            foreach (int pid in tree)
            {
                (int group, int session) = GroupAndSession(pid);
                Assert.True(group != gatewayGroup, $"{Describe(pid)} is in the gateway's process group {gatewayGroup}");
                Assert.True(session == gatewaySession, $"{Describe(pid)} is in session {session}, not the gateway's {gatewaySession}");
            }

            using (Process kill = Process.Start("kill", ["-TERM", mcpf.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await mcpf.WaitForExitAsync(TimeSpan.FromSeconds(60));

            // The gateway waits for its groups before it exits; killed processes may take a moment to disappear.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (ProcessesWithMarker(marker).Length > 0 && !deadline.IsCancellationRequested)
            {
                await Task.Delay(100, CancellationToken.None);
            }

            int[] left = ProcessesWithMarker(marker);
            Assert.True(left.Length == 0, $"still running after the gateway exited: {string.Join(", ", left.Select(Describe))}\n{mcpf.StandardError}");
        }
        finally
        {
            foreach (int pid in ProcessesWithMarker(marker))
            {
                try
                {
                    using Process leftover = Process.GetProcessById(pid);
                    leftover.Kill();
                }
                catch (ArgumentException)
                {
                    // Gone.
                }
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Live processes (not zombies) whose environment holds <c>MCPF_TEST_MARKER=marker</c> (Linux /proc).</summary>
    private static int[] ProcessesWithMarker(string marker)
    {
        string wanted = "MCPF_TEST_MARKER=" + marker;
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(wanted) && IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile, or another user's.
            }
        }

        return [.. found];
    }

    private static string Describe(int pid)
    {
        try
        {
            return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})";
        }
        catch (IOException)
        {
            return pid.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The direct children of a process (Linux /proc).</summary>
    private static int[] ChildrenOf(int pid)
    {
        string tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(tasks)
            .Select(t => Path.Combine(t, "children"))
            .Where(File.Exists)
            .SelectMany(f => File.ReadAllText(f).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse)
            .Distinct()];
    }

    /// <summary>The process group and session of a process (fields 5 and 6 of /proc/PID/stat).</summary>
    private static (int Group, int Session) GroupAndSession(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 3 (after the parenthesised command name) is the state; Z = zombie, i.e. exited.
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
