using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace McpFoundation.Telemetry;

/// <summary>
/// Raises the gateway's public events (<c>ToolExecuted</c>, <c>ServerHealthChanged</c>, ...) on one background worker,
/// in the order they were posted, so that a slow or throwing subscriber never stalls a request thread, a socket
/// thread, the line reader of a child process, or code that holds a lock. A subscriber that throws is logged and the
/// next event is raised as usual.
/// </summary>
internal sealed partial class GatewayEvents : IAsyncDisposable
{
    private readonly Channel<IQueuedEvent> _queue = Channel.CreateUnbounded<IQueuedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _worker;

    public GatewayEvents(ILogger<GatewayEvents> logger)
    {
        _logger = logger;
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="raise"/> to run with <paramref name="state"/> on the event worker; never blocks.</summary>
    public void Post<TState>(TState state, Action<TState> raise)
    {
        if (!_queue.Writer.TryWrite(new QueuedEvent<TState>(state, raise)))
        {
            LogDropped(_logger, typeof(TState).Name);
        }
    }

    /// <summary>Completes when every event posted so far has been raised (tests and an orderly shutdown use it).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(flushed, static done => done.TrySetResult());
        return flushed.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync()
    {
        await foreach (IQueuedEvent queued in _queue.Reader.ReadAllAsync())
        {
            try
            {
                queued.Raise();
            }
            catch (Exception ex)
            {
                LogSubscriberFailed(_logger, queued.Name, ex);
            }
        }
    }

    private interface IQueuedEvent
    {
        string Name { get; }

        void Raise();
    }

    private sealed class QueuedEvent<TState>(TState state, Action<TState> raise) : IQueuedEvent
    {
        public string Name => typeof(TState).Name;

        public void Raise() => raise(state);
    }

    [LoggerMessage(EventId = 1900, EventName = "EventSubscriberFailed", Level = LogLevel.Warning, Message = "A subscriber of a gateway event ({EventType}) threw; the gateway goes on")]
    private static partial void LogSubscriberFailed(ILogger logger, string eventType, Exception exception);

    [LoggerMessage(EventId = 1901, EventName = "EventDropped", Level = LogLevel.Debug, Message = "A gateway event ({EventType}) was posted after shutdown and dropped")]
    private static partial void LogDropped(ILogger logger, string eventType);
}
