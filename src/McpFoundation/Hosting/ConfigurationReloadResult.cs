namespace McpFoundation.Hosting;

/// <summary>What a configuration reload changed.</summary>
/// <param name="ServersAdded">Servers that are new in the file, now started.</param>
/// <param name="ServersRemoved">Servers no longer in the file, now stopped.</param>
/// <param name="ServersRestarted">Servers whose definition changed (command, URL, environment, profile...), stopped and started again.</param>
public sealed record ConfigurationReloadResult(
    IReadOnlyList<string> ServersAdded,
    IReadOnlyList<string> ServersRemoved,
    IReadOnlyList<string> ServersRestarted)
{
    /// <summary>Describes the change in one line, e.g. <c>servers added: git; restarted: fs</c>.</summary>
    /// <returns>The description; <c>no server changed</c> when only other sections did.</returns>
    public override string ToString()
    {
        var parts = new List<string>(3);
        if (ServersAdded.Count > 0)
        {
            parts.Add("servers added: " + string.Join(", ", ServersAdded));
        }

        if (ServersRemoved.Count > 0)
        {
            parts.Add("removed: " + string.Join(", ", ServersRemoved));
        }

        if (ServersRestarted.Count > 0)
        {
            parts.Add("restarted: " + string.Join(", ", ServersRestarted));
        }

        return parts.Count == 0 ? "no server changed" : string.Join("; ", parts);
    }
}
