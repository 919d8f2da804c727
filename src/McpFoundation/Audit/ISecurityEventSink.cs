namespace McpFoundation.Audit;

/// <summary>
/// Where features post security events that are not one operation's outcome (see <see cref="SecurityEventRecord"/>);
/// the audit feature writes them to the trail. <see cref="Post"/> never blocks and never throws: it queues.
/// </summary>
public interface ISecurityEventSink
{
    /// <summary>Queues <paramref name="record"/> for the audit trail.</summary>
    void Post(SecurityEventRecord record);
}
