using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Configuration.Sections;

namespace McpFoundation.Security.Adaptive;

/// <summary>The top-level <c>adaptive</c> section: thresholds and durations of the escalation ladder (docs/adaptive.md).</summary>
internal sealed class AdaptiveSectionValidator : SectionValidator<AdaptiveSection>, IConfigSection
{
    private const int MaxScore = 100_000;
    private const double MaxSeconds = 7 * 24 * 3600;

    public AdaptiveSectionValidator()
        : base(ConfigurationJsonContext.Default.AdaptiveSection)
    {
    }

    public string Key => "adaptive";

    public override string Description =>
        "The adaptive response: a threat score per user, session and server from recent denials and call-rate spikes, and an escalation ladder warn -> ask -> throttle -> quarantine -> stop_server that decays over time (docs/adaptive.md). Absent: off.";

    protected override string NotAnObjectMessage =>
        "must be an object, e.g. \"adaptive\": {\"quarantine_at\": 15, \"quarantine_for\": 900}";

    JsonNode IConfigSection.Schema() => Schema();

    public object? Read(JsonElement? value, SectionReadContext context)
    {
        if (value is not { } element)
        {
            return AdaptiveSettings.Disabled;
        }

        if (Bind(element, Key, context.Reader) is not { } bound)
        {
            return AdaptiveSettings.Disabled;
        }

        AdaptiveSection s = bound.Value;
        var defaults = new AdaptiveSettings();
        var thresholds = new Dictionary<EscalationLevel, double>(defaults.Thresholds);
        Set(thresholds, EscalationLevel.Warn, s.WarnAt);
        Set(thresholds, EscalationLevel.Ask, s.AskAt);
        Set(thresholds, EscalationLevel.Throttle, s.ThrottleAt);
        Set(thresholds, EscalationLevel.Quarantine, s.QuarantineAt);
        Set(thresholds, EscalationLevel.StopServer, s.StopServerAt);
        var holds = new Dictionary<EscalationLevel, TimeSpan>(defaults.Holds);
        Set(holds, EscalationLevel.Warn, s.WarnFor);
        Set(holds, EscalationLevel.Ask, s.AskFor);
        Set(holds, EscalationLevel.Throttle, s.ThrottleFor);
        Set(holds, EscalationLevel.Quarantine, s.QuarantineFor);
        Set(holds, EscalationLevel.StopServer, s.StopServerFor);

        // The steps that are on must rise with the ladder, or a lower one would never be reached.
        double previous = 0;
        string? previousName = null;
        foreach ((EscalationLevel level, string name) in Steps)
        {
            if (thresholds[level] <= 0)
            {
                continue;
            }

            if (level != EscalationLevel.StopServer && thresholds[level] <= previous)
            {
                context.Reader.Diagnostics.Error(ConfigurationReader.Join(Key, name + "_at"), $"must be greater than {previousName}_at ({previous}): the steps rise warn < ask < throttle < quarantine (0 turns a step off)");
            }

            if (level != EscalationLevel.StopServer)
            {
                previous = thresholds[level];
                previousName = name;
            }
        }

        return defaults with
        {
            Enabled = s.Enabled ?? true,
            HalfLife = s.HalfLife is { } halfLife ? TimeSpan.FromSeconds(halfLife) : defaults.HalfLife,
            Thresholds = thresholds,
            Holds = holds,
            ThrottleCallsPerMinute = s.ThrottleCallsPerMinute ?? defaults.ThrottleCallsPerMinute,
            SpikeFactor = s.SpikeFactor ?? defaults.SpikeFactor,
            SpikeMinCalls = s.SpikeMinCalls ?? defaults.SpikeMinCalls,
        };
    }

    private static readonly (EscalationLevel Level, string Name)[] Steps =
    [
        (EscalationLevel.Warn, "warn"),
        (EscalationLevel.Ask, "ask"),
        (EscalationLevel.Throttle, "throttle"),
        (EscalationLevel.Quarantine, "quarantine"),
        (EscalationLevel.StopServer, "stop_server"),
    ];

    private static void Set(Dictionary<EscalationLevel, double> map, EscalationLevel level, int? value)
    {
        if (value is { } v)
        {
            map[level] = v;
        }
    }

    private static void Set(Dictionary<EscalationLevel, TimeSpan> map, EscalationLevel level, double? seconds)
    {
        if (seconds is { } v)
        {
            map[level] = TimeSpan.FromSeconds(v);
        }
    }

    private static FieldRule Threshold(string step, string what, int example) => FieldRule.WholeNumber(
        $"The threat score at which a subject reaches the {step} step ({what}); 0 turns the step off. A path-traversal denial scores 3, a policy denial 2, a call-rate spike 5 (docs/adaptive.md).",
        0,
        MaxScore,
        example);

    private static FieldRule Hold(string step, int example) => FieldRule.Seconds(
        $"Seconds the {step} step holds at least once reached; then it steps down as the score decays (an operator can end it earlier with mcpf release).",
        MaxSeconds,
        example);

    protected override IReadOnlyDictionary<string, FieldRule> CreateFields() => new Dictionary<string, FieldRule>(StringComparer.Ordinal)
    {
        ["enabled"] = FieldRule.Boolean("Score callers and escalate (default true once the section is there).", example: true),
        ["half_life"] = FieldRule.Seconds("Seconds in which a threat score halves (default 600).", MaxSeconds, 600),
        ["warn_at"] = Threshold("warn", "logged and raised as an event; calls go on", 3),
        ["ask_at"] = Threshold("ask", "calls of risky tools (write, delete, execute) need the user's approval", 6),
        ["throttle_at"] = Threshold("throttle", "calls limited to throttle_calls_per_minute", 10),
        ["quarantine_at"] = Threshold("quarantine", "every call of the user or session refused with -31057", 15),
        ["stop_server_at"] = Threshold("stop_server", "a server's score, from the denials of calls to it: every call to it refused with -31057", 40),
        ["warn_for"] = Hold("warn", 60),
        ["ask_for"] = Hold("ask", 300),
        ["throttle_for"] = Hold("throttle", 300),
        ["quarantine_for"] = Hold("quarantine", 900),
        ["stop_server_for"] = Hold("stop_server", 900),
        ["throttle_calls_per_minute"] = FieldRule.WholeNumber("Calls per minute a throttled user or session keeps (default 10).", 1, ConfigurationReader.MaxRateLimit, 10),
        ["spike_factor"] = FieldRule.WholeNumber("How many times its own per-minute baseline a user's calls in one minute must be to count as a spike (default 5).", 2, 1000, 5),
        ["spike_min_calls"] = FieldRule.WholeNumber("The fewest calls in one minute that can count as a spike (default 60).", 1, ConfigurationReader.MaxRateLimit, 60),
    };
}
