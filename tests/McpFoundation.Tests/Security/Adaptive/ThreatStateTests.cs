using McpFoundation.Security.Adaptive;

namespace McpFoundation.Tests.Security.Adaptive;

[Trait("Category", "Unit")]
public sealed class ThreatStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly AdaptiveSettings Settings = new() { HalfLife = TimeSpan.FromMinutes(1) };

    [Fact]
    public void Add_ClimbsTheLadderByThreshold_HoldsThenStepsDownAsTheScoreDecays()
    {
        var state = new ThreatState("user:u");

        var warn = state.Add(3, "r", T0, Settings, isServer: false);
        var quarantine = state.Add(12, "r", T0, Settings, isServer: false);

        Assert.Equal((EscalationLevel.None, EscalationLevel.Warn), (warn!.Value.Previous, warn.Value.Now.Level));
        Assert.Equal(EscalationLevel.Quarantine, quarantine!.Value.Now.Level);
        Assert.Equal(T0 + Settings.Holds[EscalationLevel.Quarantine], state.Until);

        // Held for its 15 minutes even though the score halves every minute.
        Assert.Null(state.Tick(T0.AddMinutes(14), Settings, isServer: false));
        var down = state.Tick(T0.AddMinutes(15), Settings, isServer: false);
        Assert.Equal(EscalationLevel.None, down!.Value.Now.Level);
    }

    [Fact]
    public void Add_StepsDownToWhatTheScoreStillWarrants()
    {
        var state = new ThreatState("user:u");
        var settings = Settings with { HalfLife = TimeSpan.FromHours(1) };
        state.Add(16, "r", T0, settings, isServer: false);

        // After the 15 minute hold 16 points have decayed to about 13.5: throttle (10), not quarantine (15).
        var down = state.Tick(T0.AddMinutes(15), settings, isServer: false);

        Assert.Equal(EscalationLevel.Throttle, down!.Value.Now.Level);
        Assert.NotNull(state.Throttle);
    }

    [Fact]
    public void Add_Server_OnlyWarnAndStopServer()
    {
        var state = new ThreatState("server:s");

        var change = state.Add(20, "r", T0, Settings, isServer: true);
        var stop = state.Add(30, "r", T0, Settings, isServer: true);

        Assert.Equal(EscalationLevel.Warn, change!.Value.Now.Level);
        Assert.Equal(EscalationLevel.StopServer, stop!.Value.Now.Level);
    }

    [Fact]
    public void CountCall_BurstAgainstAQuietBaseline_IsOneSpikePerMinute()
    {
        var state = new ThreatState("user:u");
        var settings = Settings with { SpikeMinCalls = 20, SpikeFactor = 5 };
        for (int minute = 0; minute < 10; minute++)
        {
            for (int i = 0; i < 2; i++)
            {
                Assert.False(state.CountCall(T0.AddMinutes(minute), settings, out _, out _));
            }
        }

        int spikes = Enumerable.Range(0, 50).Count(i => state.CountCall(T0.AddMinutes(10), settings, out _, out _));

        Assert.Equal(1, spikes);
    }

    [Fact]
    public void Release_ZeroesScoreAndStep()
    {
        var state = new ThreatState("user:u");
        state.Add(20, "r", T0, Settings, isServer: false);

        var (previous, now) = state.Release(T0, "released by ops");

        Assert.Equal((EscalationLevel.Quarantine, EscalationLevel.None), (previous, now.Level));
        Assert.Null(state.Add(1, "r", T0, Settings, isServer: false));
    }
}
