using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// Wraps the test client's transport and records every message the gateway sends to the client, in the order the
/// transport delivered them: the SDK dispatches incoming messages concurrently, so only the transport sees wire order.
/// It also records what the client sends (to learn the ids the SDK gave its requests).
/// Waiting is event-driven: each recorded message wakes the waiters, which re-check their condition.
/// </summary>
internal sealed class WireRecorder
{
    private readonly Lock _gate = new();
    private readonly List<JsonRpcMessage> _messages = [];
    private readonly List<JsonRpcMessage> _sent = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets a change the test makes to each message the client sends, before it leaves (a client that misbehaves on purpose).</summary>
    public Func<JsonRpcMessage, JsonRpcMessage>? RewriteSent { get; set; }

    /// <summary>Gets every message received so far, in wire order.</summary>
    public IReadOnlyList<JsonRpcMessage> Snapshot()
    {
        lock (_gate)
        {
            return [.. _messages];
        }
    }

    /// <summary>Gets every message the client sent so far, in the order it sent them.</summary>
    public IReadOnlyList<JsonRpcMessage> Sent()
    {
        lock (_gate)
        {
            return [.. _sent];
        }
    }

    /// <summary>Gets the notifications with the given method received so far, in wire order.</summary>
    public IReadOnlyList<JsonRpcNotification> Notifications(string method) =>
        [.. Snapshot().OfType<JsonRpcNotification>().Where(n => n.Method == method)];

    /// <summary>Waits until <paramref name="probe"/> returns a value for the messages received so far.</summary>
    public async Task<T> WaitForAsync<T>(Func<IReadOnlyList<JsonRpcMessage>, T?> probe, CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            IReadOnlyList<JsonRpcMessage> snapshot;
            Task changed;
            lock (_gate)
            {
                snapshot = [.. _messages];
                changed = _changed.Task;
            }

            if (probe(snapshot) is { } found)
            {
                return found;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits for a notification with the given method whose params satisfy <paramref name="match"/>.</summary>
    public Task<JsonRpcNotification> WaitForNotificationAsync(string method, Func<JsonObject?, bool> match, CancellationToken cancellationToken) =>
        WaitForAsync(
            messages => messages.OfType<JsonRpcNotification>().FirstOrDefault(n => n.Method == method && match(n.Params as JsonObject)),
            cancellationToken);

    /// <summary>Wraps a client transport so that everything it receives is recorded here.</summary>
    public IClientTransport Wrap(IClientTransport inner) => new RecordingClientTransport(inner, this);

    private void RecordSent(JsonRpcMessage message)
    {
        lock (_gate)
        {
            _sent.Add(message);
        }
    }

    private void Record(JsonRpcMessage message)
    {
        TaskCompletionSource toSignal;
        lock (_gate)
        {
            _messages.Add(message);
            toSignal = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        toSignal.TrySetResult();
    }

    private sealed class RecordingClientTransport(IClientTransport inner, WireRecorder recorder) : IClientTransport
    {
        public string Name => inner.Name;

        public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
            new RecordingTransport(await inner.ConnectAsync(cancellationToken), recorder);
    }

    private sealed class RecordingTransport : ITransport
    {
        private readonly ITransport _inner;
        private readonly WireRecorder _recorder;
        private readonly Channel<JsonRpcMessage> _messages = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        private readonly Task _pump;

        public RecordingTransport(ITransport inner, WireRecorder recorder)
        {
            _inner = inner;
            _recorder = recorder;
            _pump = PumpAsync();
        }

        public string? SessionId => _inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => _messages.Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            message = _recorder.RewriteSent?.Invoke(message) ?? message;
            _recorder.RecordSent(message);
            return _inner.SendMessageAsync(message, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await _inner.DisposeAsync();
            await _pump;
        }

        private async Task PumpAsync()
        {
            try
            {
                await foreach (JsonRpcMessage message in _inner.MessageReader.ReadAllAsync())
                {
                    _recorder.Record(message);
                    _messages.Writer.TryWrite(message);
                }

                _messages.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _messages.Writer.TryComplete(ex);
            }
        }
    }
}
