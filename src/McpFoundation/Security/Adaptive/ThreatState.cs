using McpFoundation.Security.Limits;

namespace McpFoundation.Security.Adaptive;

/// <summary>
/// The threat score and step of one subject (user, session or server). Guarded by its own lock, held for a few
/// arithmetic steps only (never across I/O). The score decays exponentially with the half-life; a step holds at least
/// its duration, then steps down to what the decayed score warrants.
/// </summary>
internal sealed class ThreatState(string subject)
{
    private readonly Lock _lock = new();
    private double _score;
    private DateTimeOffset _scoredAt;
    private long _minuteStart;
    private int _callsThisMinute;
    private double _baseline;
    private bool _spikeFlagged;

    public string Subject { get; } = subject;

    public EscalationLevel Level { get; private set; }

    public DateTimeOffset Since { get; private set; }

    public DateTimeOffset Until { get; private set; }

    public string Reason { get; private set; } = string.Empty;

    /// <summary>Gets the throttle of a subject on the throttle step (made when it gets there).</summary>
    public RateBucket? Throttle { get; private set; }

    /// <summary>Gets or sets a value indicating whether the state store holds this subject's escalation.</summary>
    public bool Persisted { get; set; }

    /// <summary>Gets the current step: read without the lock (a step is one word).</summary>
    public EscalationLevel CurrentLevel => Level;

    /// <summary>Adds <paramref name="points"/> and re-evaluates the step; returns the change, if any.</summary>
    public (EscalationLevel Previous, Escalation Now)? Add(double points, string reason, DateTimeOffset now, AdaptiveSettings settings, bool isServer)
    {
        lock (_lock)
        {
            _score = Decayed(now, settings) + points;
            _scoredAt = now;
            Reason = reason;
            return Evaluate(now, settings, isServer);
        }
    }

    /// <summary>Counts one call for the spike check: true (once per minute) when this minute's calls exceed the baseline by the factor.</summary>
    public bool CountCall(DateTimeOffset now, AdaptiveSettings settings, out int calls, out double baseline)
    {
        lock (_lock)
        {
            long minute = now.ToUnixTimeSeconds() / 60;
            if (minute != _minuteStart)
            {
                // A minute closed: it joins the baseline (a gap of idle minutes pulls the baseline down).
                long gap = Math.Max(0, minute - _minuteStart - 1);
                _baseline = (_baseline * 0.8) + (_callsThisMinute * 0.2);
                _baseline *= Math.Pow(0.8, Math.Min(gap, 60));
                _minuteStart = minute;
                _callsThisMinute = 0;
                _spikeFlagged = false;
            }

            calls = ++_callsThisMinute;
            baseline = _baseline;
            if (!_spikeFlagged && calls >= settings.SpikeMinCalls && calls > settings.SpikeFactor * _baseline)
            {
                _spikeFlagged = true;
                return true;
            }

            return false;
        }
    }

    /// <summary>Re-evaluates the step as time passes; returns the change, if any.</summary>
    public (EscalationLevel Previous, Escalation Now)? Tick(DateTimeOffset now, AdaptiveSettings settings, bool isServer)
    {
        lock (_lock)
        {
            return Level == EscalationLevel.None ? null : Evaluate(now, settings, isServer);
        }
    }

    /// <summary>Takes over an escalation persisted by an earlier run (or another gateway on the data directory).</summary>
    public void Restore(Escalation escalation, AdaptiveSettings settings)
    {
        lock (_lock)
        {
            _score = escalation.Score;
            _scoredAt = escalation.Since;
            Level = escalation.Level;
            Since = escalation.Since;
            Until = escalation.Until;
            Reason = escalation.Reason;
            Throttle = Level == EscalationLevel.Throttle ? new RateBucket(settings.ThrottleCallsPerMinute) : null;
            Persisted = true;
        }
    }

    /// <summary>Ends the escalation at once (an operator's release): score and step back to zero.</summary>
    public (EscalationLevel Previous, Escalation Now) Release(DateTimeOffset now, string reason)
    {
        lock (_lock)
        {
            EscalationLevel previous = Level;
            _score = 0;
            _scoredAt = now;
            Level = EscalationLevel.None;
            Since = now;
            Until = now;
            Reason = reason;
            Throttle = null;
            return (previous, Snapshot());
        }
    }

    /// <summary>Gets a value indicating whether the state carries nothing worth keeping (no step, a negligible score, no recent calls).</summary>
    public bool IsIdle(DateTimeOffset now, AdaptiveSettings settings)
    {
        lock (_lock)
        {
            return Level == EscalationLevel.None && Decayed(now, settings) < 0.01 && _baseline < 0.01 && now.ToUnixTimeSeconds() / 60 != _minuteStart;
        }
    }

    public Escalation Snapshot() => new(Subject, Level, Math.Round(_score, 2), Reason, Since, Until);

    /// <summary>Users and sessions climb warn, ask, throttle, quarantine; a server warn and stop_server.</summary>
    private static bool Applies(EscalationLevel level, bool isServer) =>
        isServer ? level is EscalationLevel.Warn or EscalationLevel.StopServer : level <= EscalationLevel.Quarantine;

    private double Decayed(DateTimeOffset now, AdaptiveSettings settings)
    {
        if (_score <= 0)
        {
            return 0;
        }

        double halfLives = (now - _scoredAt) / settings.HalfLife;
        return halfLives <= 0 ? _score : _score * Math.Pow(0.5, halfLives);
    }

    private (EscalationLevel Previous, Escalation Now)? Evaluate(DateTimeOffset now, AdaptiveSettings settings, bool isServer)
    {
        double score = Decayed(now, settings);
        EscalationLevel warranted = EscalationLevel.None;
        foreach ((EscalationLevel level, double threshold) in settings.Thresholds)
        {
            if (threshold > 0 && score >= threshold && level > warranted && Applies(level, isServer))
            {
                warranted = level;
            }
        }

        EscalationLevel previous = Level;
        if (warranted > Level)
        {
            Level = warranted;
            Since = now;
            Until = now + settings.Holds[warranted];
        }
        else if (warranted < Level && now >= Until)
        {
            Level = warranted;
            Since = now;
            Until = warranted == EscalationLevel.None ? now : now + settings.Holds[warranted];
        }
        else
        {
            return null;
        }

        Throttle = Level == EscalationLevel.Throttle ? new RateBucket(settings.ThrottleCallsPerMinute) : null;
        _score = score;
        _scoredAt = now;
        return (previous, Snapshot());
    }
}
