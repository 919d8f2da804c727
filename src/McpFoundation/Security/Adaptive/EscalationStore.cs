using System.Text.Json;
using System.Text.Json.Serialization;
using McpFoundation.Configuration;
using McpFoundation.Storage;

namespace McpFoundation.Security.Adaptive;

/// <summary>
/// Escalations in the state store, under <c>adaptive/escalations/&lt;subject&gt;</c>, so that another process on the
/// same data directory (<c>mcpf release</c>, <c>mcpf status</c>) can list and release them; a release also leaves
/// <c>adaptive/released/&lt;subject&gt;</c> (who and why) for the gateways, which notice within a second.
/// </summary>
public static class EscalationStore
{
    internal const string EscalationsPrefix = "adaptive/escalations/";
    internal const string ReleasedPrefix = "adaptive/released/";

    /// <summary>Lists the escalations persisted in the data directory of <paramref name="configuration"/> (every gateway on it).</summary>
    /// <param name="configuration">The configuration whose <c>settings.data_dir</c> (or <c>MCPF_DATA_DIR</c>) names the data directory.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The escalations, by subject.</returns>
    public static async Task<IReadOnlyList<Escalation>> ListAsync(GatewayConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var store = new SqliteStateStore(DataDirectory.EnsureExists(DataDirectory.Resolve(configuration)), TimeProvider.System);
        return await ListAsync(store, cancellationToken);
    }

    /// <summary>
    /// Releases the escalation of <paramref name="subject"/> (<c>user:ID</c>, <c>session:ID</c>, <c>server:ID</c>, or a bare
    /// id that matches one subject) in the data directory of <paramref name="configuration"/>: every gateway on it ends the
    /// escalation within a second.
    /// </summary>
    /// <param name="configuration">The configuration whose data directory the gateways use.</param>
    /// <param name="subject">What to release.</param>
    /// <param name="initiator">Who releases it (logged and audited).</param>
    /// <param name="reason">Why (logged and audited).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The subjects released; empty when none matched.</returns>
    public static async Task<IReadOnlyList<string>> ReleaseAsync(GatewayConfiguration configuration, string subject, string initiator, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var store = new SqliteStateStore(DataDirectory.EnsureExists(DataDirectory.Resolve(configuration)), TimeProvider.System);
        return await ReleaseAsync(store, subject, initiator, reason, TimeProvider.System.GetUtcNow(), cancellationToken);
    }

    internal static async Task<IReadOnlyList<Escalation>> ListAsync(IStateStore store, CancellationToken cancellationToken)
    {
        var escalations = new List<Escalation>();
        foreach (StateEntry entry in await store.ListAsync(EscalationsPrefix, cancellationToken))
        {
            if (Read(entry.Value) is { } escalation)
            {
                escalations.Add(escalation);
            }
        }

        return escalations;
    }

    internal static async Task<IReadOnlyList<string>> ReleaseAsync(IStateStore store, string subject, string initiator, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        IReadOnlyList<Escalation> known = await ListAsync(store, cancellationToken);
        string[] matches = [.. known.Select(e => e.Subject).Where(s => Matches(s, subject))];
        foreach (string match in matches)
        {
            await store.SetAsync(ReleasedPrefix + match, JsonSerializer.Serialize(new EscalationRelease(initiator, reason, now), EscalationJsonContext.Default.EscalationRelease), cancellationToken);
            await store.DeleteAsync(EscalationsPrefix + match, cancellationToken);
        }

        return matches;
    }

    /// <summary>Whether <paramref name="subject"/> (<c>kind:id</c>) is what <paramref name="asked"/> names: the same subject, or its bare id.</summary>
    internal static bool Matches(string subject, string asked) =>
        string.Equals(subject, asked, StringComparison.Ordinal)
        || (!asked.Contains(':', StringComparison.Ordinal) && subject.AsSpan(subject.IndexOf(':', StringComparison.Ordinal) + 1).SequenceEqual(asked));

    internal static string Write(Escalation escalation) => JsonSerializer.Serialize(escalation, EscalationJsonContext.Default.Escalation);

    internal static Escalation? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, EscalationJsonContext.Default.Escalation);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static EscalationRelease? ReadRelease(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, EscalationJsonContext.Default.EscalationRelease);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Who released an escalation, why and when (<c>adaptive/released/&lt;subject&gt;</c>).</summary>
internal sealed record EscalationRelease(string Initiator, string? Reason, DateTimeOffset At);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Escalation))]
[JsonSerializable(typeof(EscalationRelease))]
internal sealed partial class EscalationJsonContext : JsonSerializerContext;
