using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Tools;

/// <summary>Tools that exercise a call's lifetime: progress, cancellation and the process dying.</summary>
[McpServerToolType]
internal static class LifecycleTools
{
    /// <summary>Names the file <c>slow</c> appends <c>started &lt;requestId&gt;</c> to when it starts, and <c>cancelled &lt;requestId&gt;</c> when it is cancelled.</summary>
    public const string EventsFileVariable = "FIXTURE_EVENTS_FILE";

    private static readonly SemaphoreSlim EventsFileLock = new(1, 1);

    // Awaits each notification instead of using an injected IProgress<T>: the SDK's IProgress implementation
    // sends fire-and-forget, so its notifications may be written after the result.
    [McpServerTool(Name = "progress_burst")]
    [Description("Sends count progress notifications (when the request has a progressToken) as fast as possible, then returns \"done <count>\".")]
    public static async Task<string> ProgressBurst(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("How many progress notifications to send.")] int count,
        CancellationToken cancellationToken)
    {
        if (context.Params?.ProgressToken is { } token)
        {
            for (int i = 1; i <= count; i++)
            {
                var value = new ProgressNotificationValue { Progress = i, Total = count, Message = $"step {i}" };
                await server.NotifyProgressAsync(token, value, cancellationToken: cancellationToken);
            }
        }

        return $"done {count}";
    }

    [McpServerTool(Name = "slow")]
    [Description("Waits the given number of seconds and returns \"finished\"; honours cancellation. With FIXTURE_EVENTS_FILE set, appends \"started <id>\" and then \"finished <id>\" or, if cancelled, \"cancelled <id>\" to it.")]
    public static async Task<string> Slow(
        RequestContext<CallToolRequestParams> context,
        [Description("How long to wait, in seconds.")] double seconds,
        CancellationToken cancellationToken)
    {
        // "started" lets a test cancel only once the call has really reached the server.
        await RecordEventAsync($"started {context.JsonRpcRequest.Id}");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await RecordEventAsync($"cancelled {context.JsonRpcRequest.Id}");
            throw;
        }

        await RecordEventAsync($"finished {context.JsonRpcRequest.Id}");
        return "finished";
    }

    [McpServerTool(Name = "exit", Destructive = true)]
    [Description("Returns, then flushes and exits the server process with the given code about 100 ms later.")]
    public static string Exit([Description("The process exit code.")] int code)
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            await Console.Out.FlushAsync();
            await Console.Error.FlushAsync();
            Environment.Exit(code);
        });

        return $"exiting with code {code}";
    }

    /// <summary>Appends <paramref name="line"/> to the FIXTURE_EVENTS_FILE, if one is named.</summary>
    internal static async Task RecordEventAsync(string line)
    {
        if (Environment.GetEnvironmentVariable(EventsFileVariable) is not { Length: > 0 } path)
        {
            return;
        }

        await EventsFileLock.WaitAsync();
        try
        {
            await File.AppendAllTextAsync(path, line + "\n");
        }
        finally
        {
            EventsFileLock.Release();
        }
    }
}
