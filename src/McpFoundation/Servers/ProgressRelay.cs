using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using McpFoundation.Pipeline;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Servers;

/// <summary>
/// Carries a downstream server's progress notifications to the client call that asked for them, in order, and
/// guarantees that every notification read before the call's result is forwarded before that result.
/// </summary>
/// <remarks>
/// The SDK dispatches incoming notifications and responses concurrently, so a progress notification sent just before
/// a result can be handled after it. The relay therefore sits in the transport (see <see cref="RelayingClientTransport"/>),
/// sees messages in wire order, and queues progress for the call before the result reaches the SDK.
/// </remarks>
internal sealed partial class ProgressRelay
{
    private readonly ConcurrentDictionary<string, ProgressSink> _sinks = new(StringComparer.Ordinal);
    private readonly string _prefix = "mcpf-" + Guid.NewGuid().ToString("N")[..8] + "-";
    private readonly ILogger _logger;
    private long _next;

    public ProgressRelay(ILogger logger) => _logger = logger;

    /// <summary>
    /// Opens a sink that forwards progress for one call to <paramref name="destination"/>, restoring the client's token;
    /// each notification passes <paramref name="pipeline"/>'s filters as a <see cref="OperationCategory.ServerNotification"/>.
    /// </summary>
    public ProgressSink Open(ProgressToken clientToken, McpServer destination, OperationPipeline pipeline, OperationContext call)
    {
        string token = _prefix + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var sink = new ProgressSink(this, token, clientToken, destination, pipeline, call);
        _sinks[token] = sink;
        return sink;
    }

    /// <summary>Routes a progress notification read from the downstream; returns false if no call owns its token.</summary>
    public bool TryDeliver(JsonRpcNotification notification)
    {
        if (notification.Params is JsonObject parameters
            && parameters.TryGetPropertyValue("progressToken", out JsonNode? tokenNode)
            && tokenNode is JsonValue tokenValue
            && tokenValue.TryGetValue(out string? token)
            && token.StartsWith(_prefix, StringComparison.Ordinal)
            && _sinks.TryGetValue(token, out ProgressSink? sink))
        {
            sink.Post(parameters);
            return true;
        }

        return false;
    }

    internal void Remove(ProgressSink sink) => _sinks.TryRemove(new KeyValuePair<string, ProgressSink>(sink.DownstreamTokenText, sink));

    internal void ForwardFailed(Exception exception) => LogForwardFailed(_logger, exception);

    [LoggerMessage(EventId = 1300, EventName = "ProgressForwardFailed", Level = LogLevel.Debug, Message = "A progress notification could not be forwarded to the client")]
    private static partial void LogForwardFailed(ILogger logger, Exception exception);
}

/// <summary>The progress of one forwarded call: an ordered queue and the loop that drains it to the client.</summary>
internal sealed class ProgressSink : IAsyncDisposable
{
    private readonly ProgressRelay _relay;
    private readonly ProgressToken _clientToken;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private McpServer _destination;
    private readonly OperationPipeline _pipeline;
    private readonly OperationContext _call;
    private readonly Task _forwarding;

    public ProgressSink(ProgressRelay relay, string downstreamToken, ProgressToken clientToken, McpServer destination, OperationPipeline pipeline, OperationContext call)
    {
        _relay = relay;
        _clientToken = clientToken;
        _destination = destination;
        _pipeline = pipeline;
        _call = call;
        DownstreamTokenText = downstreamToken;
        DownstreamToken = new ProgressToken(downstreamToken);
        _forwarding = ForwardAsync();
    }

    public ProgressToken DownstreamToken { get; }

    public string DownstreamTokenText { get; }

    public void Post(JsonObject parameters)
    {
        var forwarded = (JsonObject)parameters.DeepClone();
        forwarded["progressToken"] = _clientToken.Token switch
        {
            long number => JsonValue.Create(number),
            string text => JsonValue.Create(text),
            _ => JsonValue.Create(_clientToken.ToString()),
        };
        _queue.Writer.TryWrite(forwarded);
    }

    /// <summary>Sends what is queued so far to the current destination, then sends later progress to <paramref name="destination"/>.</summary>
    public async ValueTask RetargetAsync(McpServer destination)
    {
        var barrier = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_queue.Writer.TryWrite(barrier))
        {
            await barrier.Task;
        }

        Volatile.Write(ref _destination, destination);
    }

    /// <summary>Stops accepting progress and waits until everything queued so far has been sent.</summary>
    public async ValueTask DisposeAsync()
    {
        _relay.Remove(this);
        _queue.Writer.TryComplete();
        await _forwarding;
    }

    private async Task ForwardAsync()
    {
        await foreach (object item in _queue.Reader.ReadAllAsync())
        {
            if (item is TaskCompletionSource barrier)
            {
                barrier.TrySetResult();
                continue;
            }

            var parameters = (JsonNode)item;
            try
            {
                await _pipeline.ForwardNotificationAsync(
                    new NotificationRoute(NotificationMethods.ProgressNotification, _call.ServerId, _call.TargetName, _call.Session, _call),
                    parameters,
                    this,
                    static (sink, p, ct) => Volatile.Read(ref sink._destination).SendMessageAsync(new JsonRpcNotification { Method = NotificationMethods.ProgressNotification, Params = p }, ct));
            }
            catch (Exception ex)
            {
                _relay.ForwardFailed(ex);
            }
        }
    }
}
