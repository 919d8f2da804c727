using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Sessions;

/// <summary>
/// Carries server-to-client requests to a client that cannot receive them as requests (a stateless 2026-07-28 client):
/// each becomes an input request of the multi-round-trip (MRTR) protocol, answered when the client retries the call.
/// </summary>
internal sealed class ClientInputExchange
{
    private readonly Channel<PendingClientInput> _requests = Channel.CreateUnbounded<PendingClientInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, PendingClientInput> _outstanding = new(StringComparer.Ordinal);
    private int _next;

    public ChannelReader<PendingClientInput> Requests => _requests.Reader;

    /// <summary>Queues an input request for the client and waits for its answer.</summary>
    public async ValueTask<InputResponse> RequestAsync(InputRequest request, CancellationToken cancellationToken)
    {
        string key = "input-" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingClientInput(key, request);
        _outstanding[key] = pending;
        try
        {
            _requests.Writer.TryWrite(pending);
            return await pending.Response.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _outstanding.TryRemove(key, out _);
        }
    }

    /// <summary>Hands the client's answers to the requests waiting for them; returns the keys no request was waiting for.</summary>
    public IReadOnlyList<string> Deliver(IDictionary<string, InputResponse> responses)
    {
        var unmatched = new List<string>();
        foreach ((string key, InputResponse response) in responses)
        {
            if (_outstanding.TryGetValue(key, out PendingClientInput? pending))
            {
                pending.Response.TrySetResult(response);
            }
            else
            {
                unmatched.Add(key);
            }
        }

        return unmatched;
    }

    /// <summary>Fails every request still waiting (the call was abandoned).</summary>
    public void Abandon(Exception reason)
    {
        _requests.Writer.TryComplete();
        foreach (PendingClientInput pending in _outstanding.Values)
        {
            pending.Response.TrySetException(reason);
        }
    }
}

/// <summary>One server-to-client request waiting for the client's answer.</summary>
internal sealed record PendingClientInput(string Key, InputRequest Request)
{
    public TaskCompletionSource<InputResponse> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
