using System.Text.Json;
using System.Text.Json.Serialization;
using McpFoundation.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Tools;

/// <summary>
/// Publishes a serving gateway's tool statistics to the state store (<c>state.db</c> in the data directory) every few
/// seconds when they changed, so that <c>mcpf tools list --stats</c>, another process, can show them. Off the request
/// path: a timer reads the in-memory counters and writes one small JSON value.
/// </summary>
internal sealed partial class ToolStatisticsPublisher(ToolRegistry tools, IStateStore store, TimeProvider timeProvider, ILogger<ToolStatisticsPublisher> logger) : BackgroundService
{
    /// <summary>The state store key of the latest snapshot.</summary>
    public const string StateKey = "telemetry/tool_statistics";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private string? _last;

    /// <summary>Reads the snapshot a serving gateway published last; null when none was.</summary>
    public static async ValueTask<PublishedToolStatistics?> ReadAsync(IStateStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        StateEntry? entry = await store.GetAsync(StateKey, cancellationToken);
        if (entry is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(entry.Value, ToolStatisticsJsonContext.Default.ListToolStatistics) is { } list
                ? new PublishedToolStatistics(list, entry.UpdatedAt)
                : null;
        }
        catch (JsonException)
        {
            return null; // written by another version: nothing to show
        }
    }

    /// <summary>Writes the current snapshot if it changed since the last write.</summary>
    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ToolStatistics> snapshot = tools.GetToolStatistics();
        if (snapshot.Count == 0)
        {
            return;
        }

        string json = JsonSerializer.Serialize(snapshot as List<ToolStatistics> ?? [.. snapshot], ToolStatisticsJsonContext.Default.ListToolStatistics);
        if (json == _last)
        {
            return;
        }

        await store.SetAsync(StateKey, json, cancellationToken);
        _last = json;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PublishAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPublishFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        try
        {
            await PublishAsync(CancellationToken.None); // the last numbers before the gateway stops
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 3110, EventName = "ToolStatisticsPublishFailed", Level = LogLevel.Warning, Message = "Could not write the tool statistics to the state store; mcpf tools list --stats shows older numbers")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}

/// <summary>Tool statistics a serving gateway published, and when.</summary>
/// <param name="Tools">One entry per tool called.</param>
/// <param name="PublishedAt">When they were written.</param>
internal sealed record PublishedToolStatistics(IReadOnlyList<ToolStatistics> Tools, DateTimeOffset PublishedAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(List<ToolStatistics>))]
internal sealed partial class ToolStatisticsJsonContext : JsonSerializerContext;
