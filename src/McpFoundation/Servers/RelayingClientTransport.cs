using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using McpFoundation.Pipeline;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Servers;

/// <summary>
/// Wraps a downstream transport the SDK's <see cref="McpClient"/> runs on, adding two things at the point where
/// messages are read in wire order: progress notifications of gateway-issued tokens are routed to their call (see
/// <see cref="ProgressRelay"/>), and responses to requests the gateway forwards itself (see
/// <see cref="DirectRequests"/>) are handed straight to the waiting call.
/// </summary>
internal sealed class RelayingClientTransport(IClientTransport inner, ProgressRelay relay) : IClientTransport
{
    private readonly DirectRequests _direct = new();

    public string Name => inner.Name;

    /// <summary>Gets the direct request path of the connection this transport makes.</summary>
    public DirectRequests Direct => _direct;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ITransport connected = await inner.ConnectAsync(cancellationToken);
        _direct.Attach(connected);
        if (connected is IInterceptableTransport interceptable)
        {
            // The gateway's own child-process transport: messages are taken on the line reader's thread itself.
            interceptable.Interceptor = new Interceptor(relay, _direct);
            return connected;
        }

        return new RelayingTransport(connected, new ProgressRoutingReader(connected.MessageReader, relay, _direct));
    }

    private sealed class Interceptor(ProgressRelay relay, DirectRequests direct) : IMessageInterceptor
    {
        public bool TryIntercept(JsonRpcMessage message) => message switch
        {
            JsonRpcNotification { Method: NotificationMethods.ProgressNotification } progress => relay.TryDeliver(progress),
            JsonRpcResponse or JsonRpcError => direct.TryComplete((JsonRpcMessageWithId)message),
            _ => false,
        };
    }

    private sealed class RelayingTransport(ITransport inner, ProgressRoutingReader reader) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            inner.SendMessageAsync(message, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>
    /// The downstream's own message reader, minus what the gateway takes for itself when the SDK reads it: progress
    /// notifications of gateway-issued tokens (to their call's <see cref="ProgressSink"/>) and responses to direct
    /// requests. Both are taken in wire order, so every progress notification sent before a result is queued before the
    /// result is seen. No extra queue or thread hop sits on the message path.
    /// </summary>
    private sealed class ProgressRoutingReader(ChannelReader<JsonRpcMessage> inner, ProgressRelay relay, DirectRequests direct) : ChannelReader<JsonRpcMessage>
    {
        public override Task Completion => inner.Completion;

        public override bool TryRead([MaybeNullWhen(false)] out JsonRpcMessage item)
        {
            while (inner.TryRead(out item))
            {
                if (item is JsonRpcNotification { Method: NotificationMethods.ProgressNotification } progress && relay.TryDeliver(progress))
                {
                    continue;
                }

                if (item is JsonRpcMessageWithId answer and (JsonRpcResponse or JsonRpcError) && direct.TryComplete(answer))
                {
                    continue;
                }

                return true;
            }

            return false;
        }

        // True may be followed by a false TryRead when only messages the gateway took were waiting; readers loop, as with any channel.
        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }
}

/// <summary>
/// Forwards requests on a downstream connection without the SDK client's request pipeline, whose message loop,
/// forced yield and completion source add three thread hops to every call (measured: docs/PERFORMANCE.md). The
/// connection, its initialization and everything else stay with the SDK's <see cref="McpClient"/>; only forwarded
/// calls (tools/call, resources/read, prompts/get, completion/complete) take this path. It also sends
/// <c>notifications/cancelled</c> when a call is abandoned, which the SDK 2.3.1 client fails to do.
/// </summary>
internal sealed class DirectRequests
{
    private const string IdPrefix = "mcpf-";
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonRpcMessageWithId>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _cancelled = new();
    private ITransport? _transport;
    private int _sendingCancellations;
    private long _next;
    private int _outstanding;

    public void Attach(ITransport transport)
    {
        _transport = transport;
        _ = FailPendingWhenClosedAsync(transport);
    }

    /// <summary>Sends a request and waits for its response; a JSON-RPC error becomes an <see cref="McpProtocolException"/> with the server's code and message.</summary>
    public async Task<TResult> SendAsync<TParams, TResult>(string method, TParams parameters, CancellationToken cancellationToken)
    {
        ITransport transport = _transport ?? throw new InvalidOperationException("The downstream connection is not open.");
        string id = IdPrefix + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        // The waiting call continues on the thread that read its answer: one thread hop fewer per call (measured).
        var answer = new TaskCompletionSource<JsonRpcMessageWithId>();
        _pending[id] = answer;
        Interlocked.Increment(ref _outstanding);
        try
        {
            var request = new JsonRpcRequest
            {
                Id = new RequestId(id),
                Method = method,
                Params = JsonSerializer.SerializeToNode(parameters, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(TParams))),
            };
            await transport.SendMessageAsync(request, cancellationToken);

            // Waited for without throwing on cancellation: the one exception of a cancelled call is thrown below, once
            // (an emergency stop unwinds a thousand calls at once, and every throw and rethrow costs: docs/PERFORMANCE.md).
            Task<JsonRpcMessageWithId> answered = cancellationToken.CanBeCanceled ? answer.Task.WaitAsync(cancellationToken) : answer.Task;
            await ((Task)answered).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (answered.IsCanceled)
            {
                // The caller is answered at once; the server is told on the side, by one sender per connection (the
                // notifications of a thousand cancelled calls queue on the one connection).
                QueueCancelled(transport, id);
                throw new OperationCanceledException(cancellationToken);
            }

            JsonRpcMessageWithId response = answered.GetAwaiter().GetResult();
            return response switch
            {
                JsonRpcResponse success => (TResult)(success.Result ?? new JsonObject()).Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(TResult)))!,
                JsonRpcError error => throw new McpProtocolException(error.Error.Message, (McpErrorCode)error.Error.Code),
                _ => throw new InvalidOperationException("Unexpected answer type " + response.GetType().Name),
            };
        }
        finally
        {
            _pending.TryRemove(id, out _);
            Interlocked.Decrement(ref _outstanding);
        }
    }

    /// <summary>
    /// Hands a response to its waiting call. With one call in flight the call continues on the reading thread (no
    /// hand-off: lowest latency); with more, it continues on the thread pool, so that the reader goes back to reading
    /// and the results of concurrent calls are finished on several cores at once (measured: docs/PERFORMANCE.md).
    /// </summary>
    public bool TryComplete(JsonRpcMessageWithId answer)
    {
        if (answer.Id.Id is not string id
            || !id.StartsWith(IdPrefix, StringComparison.Ordinal)
            || !_pending.TryRemove(id, out TaskCompletionSource<JsonRpcMessageWithId>? waiting))
        {
            return false;
        }

        if (Volatile.Read(ref _outstanding) <= 1)
        {
            waiting.TrySetResult(answer);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Waiting.TrySetResult(state.Answer), (Waiting: waiting, Answer: answer), preferLocal: false);
        }

        return true;
    }

    /// <summary>
    /// Queues <c>notifications/cancelled</c> for <paramref name="id"/>: one sender per connection writes the queue in
    /// order, off the cancelling thread, so a thousand cancellations neither contend for the connection's write lock
    /// nor run on the thread that cancelled them.
    /// </summary>
    private void QueueCancelled(ITransport transport, string id)
    {
        _cancelled.Enqueue(id);
        if (Interlocked.CompareExchange(ref _sendingCancellations, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Owner.SendCancellationsAsync(state.Transport), (Owner: this, Transport: transport), preferLocal: false);
        }
    }

    private async Task SendCancellationsAsync(ITransport transport)
    {
        while (true)
        {
            while (_cancelled.TryDequeue(out string? id))
            {
                await SendCancelledAsync(transport, id);
            }

            Volatile.Write(ref _sendingCancellations, 0);

            // One queued after the last look but before the flag was cleared found the flag set: it is sent here.
            if (_cancelled.IsEmpty || Interlocked.CompareExchange(ref _sendingCancellations, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private static async Task SendCancelledAsync(ITransport transport, string id)
    {
        try
        {
            await transport.SendMessageAsync(new JsonRpcNotification
            {
                Method = NotificationMethods.CancelledNotification,
                Params = JsonSerializer.SerializeToNode(
                    new CancelledNotificationParams { RequestId = new RequestId(id), Reason = "The gateway's caller cancelled the request or its time limit elapsed." },
                    McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CancelledNotificationParams))),
            });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The connection is gone: nothing left to cancel.
        }
    }

    private async Task FailPendingWhenClosedAsync(ITransport transport)
    {
        Exception reason;
        try
        {
            await transport.MessageReader.Completion;
            reason = new IOException("The downstream connection closed.");
        }
        catch (ClientTransportClosedException closed) when (closed.Details.Exception is ServerMisbehavedException misbehaved)
        {
            // The gateway itself closed the connection (the server broke a limit): the waiting calls get the reason
            // as ServerUnavailable at once, rather than whatever health the server shows when they look.
            reason = new McpProtocolException(
                misbehaved.Message + " Check it with `mcpf servers list`; the gateway reconnects it at the next health check.",
                (McpErrorCode)GatewayErrorCodes.ServerUnavailable);
        }
        catch (Exception ex)
        {
            reason = ex;
        }

        foreach (TaskCompletionSource<JsonRpcMessageWithId> waiting in _pending.Values)
        {
            waiting.TrySetException(reason);
        }
    }
}
