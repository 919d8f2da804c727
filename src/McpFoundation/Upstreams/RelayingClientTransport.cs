using System.Diagnostics.CodeAnalysis;
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

    private sealed class RelayingTransport(ITransport inner, ProgressRelay relay) : ITransport
    {
        private readonly ProgressRoutingReader _reader = new(inner.MessageReader, relay);

        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => _reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            if (message is JsonRpcRequest request)
            {
                OutgoingRequest.Current?.Record(request.Id);
            }

            return inner.SendMessageAsync(message, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>
    /// The downstream's own message reader, minus the progress notifications of gateway-issued tokens, which are handed
    /// to their call's <see cref="ProgressSink"/> at the moment the SDK reads them — in wire order, before the message
    /// after them (possibly the call's result) is read. No extra queue or thread hop sits on the message path.
    /// </summary>
    private sealed class ProgressRoutingReader(ChannelReader<JsonRpcMessage> inner, ProgressRelay relay) : ChannelReader<JsonRpcMessage>
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

                return true;
            }

            return false;
        }

        // True may be followed by a false TryRead when only routed progress was waiting; readers loop, as with any channel.
        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }
}

/// <summary>
/// Learns the id the SDK gives a downstream request sent in the current async flow, so that the gateway can send
/// <c>notifications/cancelled</c> for it: the SDK's McpClient (2.3.1) does not, because its cancellation registration
/// is disposed by the awaiting continuation before its callback runs.
/// </summary>
internal sealed class OutgoingRequest : IDisposable
{
    private static readonly AsyncLocal<OutgoingRequest?> Slot = new();
    private readonly OutgoingRequest? _previous;
    private RequestId? _id;

    private OutgoingRequest()
    {
        _previous = Slot.Value;
        Slot.Value = this;
    }

    public static OutgoingRequest? Current => Slot.Value;

    /// <summary>Gets the id of the last request sent in this flow, if any.</summary>
    public RequestId? Id => _id;

    public static OutgoingRequest Capture() => new();

    public void Record(RequestId id) => _id = id;

    public void Dispose() => Slot.Value = _previous;
}
