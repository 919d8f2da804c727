using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
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
        public bool TryInterceptLine(ReadOnlySpan<byte> line, out RequestId answered) => direct.TryCompleteLine(line, out answered);

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
    private static ReadOnlySpan<byte> IdPrefixUtf8 => "mcpf-"u8;
    private readonly ConcurrentDictionary<string, PendingAnswer> _pending = new(StringComparer.Ordinal);
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
        var answer = new PendingAnswer<TResult>();
        _pending[id] = answer;
        Interlocked.Increment(ref _outstanding);
        try
        {
            try
            {
                await SendRequestAsync(transport, new RequestId(id), method, parameters, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                QueueCancelled(transport, id); // cancelled while it was being written: the server may have read it
                throw;
            }

            // Waited for without throwing on cancellation: the one exception of a cancelled call is thrown below, once
            // (an emergency stop unwinds a thousand calls at once, and every throw and rethrow costs: docs/PERFORMANCE.md).
            Task<TResult> answered = cancellationToken.CanBeCanceled ? answer.Task.WaitAsync(cancellationToken) : answer.Task;
            await ((Task)answered).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (answered.IsCanceled)
            {
                // The caller is answered at once; the server is told on the side, by one sender per connection (the
                // notifications of a thousand cancelled calls queue on the one connection).
                QueueCancelled(transport, id);
                throw new OperationCanceledException(cancellationToken);
            }

            // The result, or the server's JSON-RPC error as an McpProtocolException with its code and message.
            return answered.GetAwaiter().GetResult();
        }
        finally
        {
            _pending.TryRemove(id, out _);
            Interlocked.Decrement(ref _outstanding);
        }
    }

    /// <summary>
    /// Writes the request: on the gateway's own child-process transport its params go straight from the typed value to
    /// the pipe; any other transport takes a <see cref="JsonRpcRequest"/>, whose params are a JSON tree.
    /// </summary>
    private static Task SendRequestAsync<TParams>(ITransport transport, RequestId id, string method, TParams parameters, CancellationToken cancellationToken)
    {
        JsonTypeInfo<TParams> paramsType = TypeInfoOf<TParams>.Value;
        return transport is IInterceptableTransport own
            ? own.SendRequestAsync(id, method, parameters, paramsType, cancellationToken)
            : transport.SendMessageAsync(new JsonRpcRequest { Id = id, Method = method, Params = JsonSerializer.SerializeToNode(parameters, paramsType) }, cancellationToken);
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
            || !_pending.TryRemove(id, out PendingAnswer? waiting))
        {
            return false;
        }

        Hand(waiting, answer);
        return true;
    }

    /// <summary>
    /// Takes a response to a direct request straight from the line the server wrote, before the line is parsed into a
    /// message: the result is read from its bytes into the call's result type, without the JSON tree the message and
    /// then the result would be built from (two conversions per call: docs/PERFORMANCE.md). False for anything else
    /// (requests, notifications, other ids, errors, a result that does not read as the call's type): the line then
    /// takes the usual path, where <see cref="TryComplete"/> sees it.
    /// </summary>
    public bool TryCompleteLine(ReadOnlySpan<byte> line, out RequestId answered)
    {
        answered = default;
        if (!TryFindAnswer(line, out string? id, out int resultStart, out int resultLength)
            || !_pending.TryGetValue(id, out PendingAnswer? waiting)
            || !waiting.TryRead(line.Slice(resultStart, resultLength), out object? result)
            || !_pending.TryRemove(new KeyValuePair<string, PendingAnswer>(id, waiting)))
        {
            return false;
        }

        answered = new RequestId(id);
        Hand(waiting, result!);
        return true;
    }

    /// <summary>
    /// Finds the string id of a gateway-issued request and the bytes of the <c>result</c> in a JSON-RPC response, in one
    /// pass that skips every other value; false for a line that has a <c>method</c>, an <c>error</c>, no result, or another id.
    /// </summary>
    private static bool TryFindAnswer(ReadOnlySpan<byte> line, [NotNullWhen(true)] out string? id, out int resultStart, out int resultLength)
    {
        id = null;
        resultStart = resultLength = 0;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !reader.ValueSpan.StartsWith(IdPrefixUtf8))
                    {
                        return false;
                    }

                    id = reader.GetString();
                }
                else if (reader.ValueTextEquals("result"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    {
                        return false;
                    }

                    resultStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    resultLength = (int)reader.BytesConsumed - resultStart;
                }
                else if (reader.ValueTextEquals("method"u8) || reader.ValueTextEquals("error"u8))
                {
                    return false;
                }
                else
                {
                    reader.Skip();
                }
            }

            return id is not null && resultLength > 0;
        }
        catch (JsonException)
        {
            return false; // the usual path reports what is wrong with the line
        }
    }

    /// <summary>
    /// Completes a call. With one call in flight it continues on the reading thread (no hand-off: lowest latency); with
    /// more, on the thread pool, so that the reader goes back to reading and the results of concurrent calls are finished
    /// on several cores at once (measured: docs/PERFORMANCE.md).
    /// </summary>
    private void Hand(PendingAnswer waiting, object answer)
    {
        if (Volatile.Read(ref _outstanding) <= 1)
        {
            waiting.Complete(answer);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Waiting.Complete(state.Answer), (Waiting: waiting, Answer: answer), preferLocal: false);
        }
    }

    /// <summary>The SDK's serialization contract of <typeparamref name="T"/>, looked up once.</summary>
    private static class TypeInfoOf<T>
    {
        public static readonly JsonTypeInfo<T> Value = (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
    }

    /// <summary>A direct request's wait for its answer; the typed side is <see cref="PendingAnswer{TResult}"/>.</summary>
    private abstract class PendingAnswer
    {
        /// <summary>Reads a result's bytes as the call's result type; false when they do not read as one.</summary>
        public abstract bool TryRead(ReadOnlySpan<byte> result, out object? value);

        /// <summary>Completes the call with a result read by <see cref="TryRead"/> or with a response or error message.</summary>
        public abstract void Complete(object answer);

        public abstract void Fail(Exception reason);
    }

    private sealed class PendingAnswer<TResult> : PendingAnswer
    {
        private static readonly JsonTypeInfo<TResult> ResultType = TypeInfoOf<TResult>.Value;

        private readonly TaskCompletionSource<TResult> _answer = new();

        public Task<TResult> Task => _answer.Task;

        public override bool TryRead(ReadOnlySpan<byte> result, out object? value)
        {
            try
            {
                value = JsonSerializer.Deserialize(result, ResultType);
                return value is not null;
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                value = null;
                return false; // the message path reads it again and reports the failure to the call
            }
        }

        public override void Complete(object answer)
        {
            switch (answer)
            {
                case TResult result:
                    _answer.TrySetResult(result);
                    break;
                case JsonRpcResponse success:
                    try
                    {
                        _answer.TrySetResult((success.Result ?? new JsonObject()).Deserialize(ResultType)!);
                    }
                    catch (Exception ex)
                    {
                        // Runs on the reader's thread or a pool item: whatever fails belongs to the waiting call.
                        _answer.TrySetException(ex);
                    }

                    break;
                case JsonRpcError error:
                    _answer.TrySetException(new McpProtocolException(error.Error.Message, (McpErrorCode)error.Error.Code));
                    break;
                default:
                    _answer.TrySetException(new InvalidOperationException("Unexpected answer type " + answer.GetType().Name));
                    break;
            }
        }

        public override void Fail(Exception reason) => _answer.TrySetException(reason);
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
            // The gateway's own transport says when its reader stopped, and why (thrown here to reach the same catch as
            // the channel's fault); a channel's Completion also waits until the SDK has taken every message off it,
            // which the calls of a failed connection must not wait for.
            if (transport is IInterceptableTransport own)
            {
                throw await own.Closed;
            }

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

        foreach (PendingAnswer waiting in _pending.Values)
        {
            waiting.Fail(reason);
        }
    }
}
