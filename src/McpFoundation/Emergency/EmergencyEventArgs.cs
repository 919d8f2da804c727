namespace McpFoundation.Emergency;

/// <summary>The data of <c>McpSecurityIntegration.EmergencyActivated</c> (the seed's <c>emergency_activated</c>).</summary>
public sealed class EmergencyActivatedEventArgs : EventArgs
{
    internal EmergencyActivatedEventArgs(EmergencyState state, int cancelledOperations, int killedServers)
    {
        State = state;
        CancelledOperations = cancelledOperations;
        KilledServers = killedServers;
    }

    /// <summary>Gets the state: who stopped the gateway, why, when, through which channel.</summary>
    public EmergencyState State { get; }

    /// <summary>Gets how many operations in flight the stop cancelled.</summary>
    public int CancelledOperations { get; }

    /// <summary>Gets how many stdio servers were killed (<c>emergency.kill_servers</c>).</summary>
    public int KilledServers { get; }
}

/// <summary>The data of <c>McpSecurityIntegration.EmergencyResumed</c>.</summary>
public sealed class EmergencyResumedEventArgs : EventArgs
{
    internal EmergencyResumedEventArgs(EmergencyState state) => State = state;

    /// <summary>Gets the state after the resume (who resumed, why, when; and the stop it ended).</summary>
    public EmergencyState State { get; }
}
