using McpFoundation.Configuration;
using McpFoundation.Storage;

namespace McpFoundation.Emergency;

/// <summary>
/// The emergency stop from outside the gateway's process (<c>mcpf stop</c>, <c>mcpf resume</c>, <c>mcpf status</c>):
/// reads and writes <c>emergency/state</c> in the data directory's state store, which every gateway on that directory
/// watches (they apply a change within about 250 ms, <see cref="EmergencyWatcher.PollInterval"/>). Needs no running
/// gateway, no network and no policy: a gateway started later comes up in the state written here.
/// </summary>
internal sealed class EmergencyControl
{
    private readonly IStateStore _store;
    private readonly TimeProvider _timeProvider;

    public EmergencyControl(IStateStore store, string dataDirectory, string stopFile, TimeProvider? timeProvider = null)
    {
        _store = store;
        DataDirectory = dataDirectory;
        StopFile = stopFile;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the data directory whose gateways this reaches.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the sentinel file those gateways watch.</summary>
    public string StopFile { get; }

    /// <summary>The control of the gateways that run with <paramref name="configuration"/>'s data directory.</summary>
    public static EmergencyControl For(GatewayConfiguration configuration)
    {
        string directory = Storage.DataDirectory.Resolve(configuration);
        string stopFile = EmergencySettings.Of(configuration).ResolveStopFile(configuration);
        return new EmergencyControl(new SqliteStateStore(directory, TimeProvider.System), directory, stopFile);
    }

    /// <summary>Reads the saved state (never stopped: <see cref="EmergencyState.Inactive"/>).</summary>
    public async Task<EmergencyState> GetStateAsync(CancellationToken cancellationToken = default) =>
        await _store.GetAsync(EmergencyStateStore.Key, cancellationToken) is { } entry ? EmergencyStateStore.Parse(entry.Value) : EmergencyState.Inactive;

    /// <summary>Gets a value indicating whether the sentinel file exists now (the gateways are stopped by it).</summary>
    public bool StopFileExists => File.Exists(StopFile);

    /// <summary>Saves a stop (unless one is in force: then its who and why stay); returns the state and whether this call stopped.</summary>
    public async Task<(EmergencyState State, bool Changed)> StopAsync(string reason, string initiator, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentException.ThrowIfNullOrWhiteSpace(initiator);
        EmergencyState current = await GetStateAsync(cancellationToken);
        if (current.IsActive)
        {
            return (current, false);
        }

        var state = new EmergencyState
        {
            IsActive = true,
            Reason = reason.Trim(),
            Initiator = initiator.Trim(),
            Channel = EmergencyChannels.Cli,
            ActivatedAt = _timeProvider.GetUtcNow(),
        };
        await _store.SetAsync(EmergencyStateStore.Key, EmergencyStateStore.Serialize(state), cancellationToken);
        return (state, true);
    }

    /// <summary>Saves a resume; returns the state and whether this call resumed.</summary>
    /// <exception cref="ArgumentException">No reason.</exception>
    /// <exception cref="InvalidOperationException">The sentinel file still exists.</exception>
    public async Task<(EmergencyState State, bool Changed)> ResumeAsync(string initiator, string reason, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("A resume needs a reason (it is audited), e.g. --reason \"incident 42 contained\".", nameof(reason));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(initiator);
        if (StopFileExists)
        {
            throw new InvalidOperationException($"The stop file {StopFile} still exists, and would stop the gateways again at once: remove it first, then resume.");
        }

        EmergencyState current = await GetStateAsync(cancellationToken);
        if (!current.IsActive)
        {
            return (current, false);
        }

        EmergencyState resumed = current with
        {
            IsActive = false,
            ResumedBy = initiator.Trim(),
            ResumeReason = reason.Trim(),
            ResumeChannel = EmergencyChannels.Cli,
            ResumedAt = _timeProvider.GetUtcNow(),
        };
        await _store.SetAsync(EmergencyStateStore.Key, EmergencyStateStore.Serialize(resumed), cancellationToken);
        return (resumed, true);
    }
}
