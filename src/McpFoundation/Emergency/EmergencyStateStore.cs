using System.Text.Json;
using System.Threading.Channels;
using McpFoundation.Storage;

namespace McpFoundation.Emergency;

/// <summary>
/// The emergency state in the <see cref="IStateStore"/> (<c>emergency/state</c>, JSON): read at start and by the
/// watcher, written through a queue of its own (one writer, in order, off the caller's thread) so that a stop from a
/// socket thread never waits on the database there.
/// </summary>
internal sealed class EmergencyStateStore : IAsyncDisposable
{
    /// <summary>The state store key.</summary>
    public const string Key = "emergency/state";

    private readonly IStateStore _store;
    private readonly Channel<(EmergencyState State, TaskCompletionSource<long> Written)> _writes =
        Channel.CreateUnbounded<(EmergencyState, TaskCompletionSource<long>)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Task _writer;

    public EmergencyStateStore(IStateStore store)
    {
        _store = store;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Reads the state and its version; null when no state was ever written.</summary>
    /// <exception cref="JsonException">The stored value is not an emergency state.</exception>
    public async Task<(EmergencyState State, long Version)?> ReadAsync(CancellationToken cancellationToken = default)
    {
        StateEntry? entry = await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
        return entry is null ? null : (Parse(entry.Value), entry.Version);
    }

    /// <summary>Reads only the version of the state (what the watcher compares); 0 when none was written.</summary>
    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken = default) =>
        (await _store.GetAsync(Key, cancellationToken).ConfigureAwait(false))?.Version ?? 0;

    /// <summary>Queues a write of <paramref name="state"/>; the task gives the version written (or the store's error).</summary>
    public Task<long> WriteAsync(EmergencyState state)
    {
        var written = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_writes.Writer.TryWrite((state, written)))
        {
            written.TrySetException(new ObjectDisposedException(nameof(EmergencyStateStore), "The gateway is shutting down; the emergency state was not saved."));
        }

        return written.Task;
    }

    public static EmergencyState Parse(string json) =>
        JsonSerializer.Deserialize(json, EmergencyJsonContext.Default.EmergencyState) ?? throw new JsonException("The emergency state is null.");

    public static string Serialize(EmergencyState state) => JsonSerializer.Serialize(state, EmergencyJsonContext.Default.EmergencyState);

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WriteLoopAsync()
    {
        await foreach ((EmergencyState state, TaskCompletionSource<long> written) in _writes.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                StateEntry entry = await _store.SetAsync(Key, Serialize(state)).ConfigureAwait(false);
                written.TrySetResult(entry.Version);
            }
            catch (Exception ex)
            {
                written.TrySetException(ex);
            }
        }
    }
}
