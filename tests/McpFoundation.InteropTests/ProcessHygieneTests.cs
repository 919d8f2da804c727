using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>The gateway started by a client over stdio goes away with its client, and takes its downstream servers along.</summary>
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
