using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Upstreams;

/// <summary>Wraps a downstream transport so that progress notifications are routed in wire order (see <see cref="ProgressRelay"/>).</summary>
internal sealed class RelayingClientTransport(IClientTransport inner, ProgressRelay relay) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new RelayingTransport(await inner.ConnectAsync(cancellationToken), relay);

    private sealed class RelayingTransport : ITransport
    {
        private readonly ITransport _inner;
        private readonly ProgressRelay _relay;
        private readonly Channel<JsonRpcMessage> _messages = Channel.CreateUnbounded<JsonRpcMessage>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });

        private readonly Task _pump;

        public RelayingTransport(ITransport inner, ProgressRelay relay)
        {
            _inner = inner;
            _relay = relay;
            _pump = PumpAsync();
        }

        public string? SessionId => _inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => _messages.Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            _inner.SendMessageAsync(message, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _inner.DisposeAsync();
            await _pump;
        }

        private async Task PumpAsync()
        {
            ChannelReader<JsonRpcMessage> reader = _inner.MessageReader;
            try
            {
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out JsonRpcMessage? message))
                    {
                        if (message is JsonRpcNotification { Method: NotificationMethods.ProgressNotification } progress && _relay.TryDeliver(progress))
                        {
                            continue;
                        }

                        _messages.Writer.TryWrite(message);
                    }
                }

                await reader.Completion;
                _messages.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                // Keep the inner transport's completion details (exit code, stderr tail) visible to the SDK.
                _messages.Writer.TryComplete(ex);
            }
        }
    }
}
