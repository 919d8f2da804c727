using System.Diagnostics;

namespace McpFoundation.Benchmarks.Load;

/// <summary>The figures of one path at one concurrency, possibly merged over several rounds.</summary>
internal sealed class Measurement
{
    private readonly List<long> _latencyTicks = [];

    public Measurement(BenchPath path, int clients)
    {
        Path = path;
        Clients = clients;
    }

    public BenchPath Path { get; }

    public int Clients { get; }

    public long Calls => _latencyTicks.Count;

    /// <summary>Gets the measured wall time: from the end of warm-up to the last completion, summed over rounds.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Gets CPU time spent during the measured window, by process role ("client", "gateway", "server").</summary>
    public Dictionary<string, TimeSpan> Cpu { get; } = new(StringComparer.Ordinal);

    public double CallsPerSecond => Elapsed > TimeSpan.Zero ? Calls / Elapsed.TotalSeconds : 0;

    /// <summary>Gets the calls per second of each round, in order (to pair a round with the other paths' same round).</summary>
    public List<double> RoundCallsPerSecond { get; } = [];

    public void Add(IEnumerable<List<long>> latencies, TimeSpan elapsed, IReadOnlyDictionary<string, TimeSpan> cpu)
    {
        long calls = 0;
        foreach (List<long> list in latencies)
        {
            _latencyTicks.AddRange(list);
            calls += list.Count;
        }

        RoundCallsPerSecond.Add(elapsed > TimeSpan.Zero ? calls / elapsed.TotalSeconds : 0);

        Elapsed += elapsed;
        foreach ((string role, TimeSpan time) in cpu)
        {
            Cpu[role] = Cpu.GetValueOrDefault(role) + time;
        }
    }

    /// <summary>Gets the share of the machine's CPU time the hypervisor gave to others during the measured windows (steal), or NaN where /proc/stat is not readable.</summary>
    public double StealShare => _machineTicks > 0 ? (double)_stealTicks / _machineTicks : double.NaN;

    private long _stealTicks;
    private long _machineTicks;

    public void AddMachineTime(long stealTicks, long machineTicks)
    {
        _stealTicks += stealTicks;
        _machineTicks += machineTicks;
    }

    public void Seal() => _latencyTicks.Sort();

    /// <summary>Nearest-rank percentile in milliseconds; call <see cref="Seal"/> first.</summary>
    public double PercentileMs(double p)
    {
        if (_latencyTicks.Count == 0)
        {
            return double.NaN;
        }

        int rank = (int)Math.Ceiling(p / 100.0 * _latencyTicks.Count);
        long ticks = _latencyTicks[Math.Clamp(rank - 1, 0, _latencyTicks.Count - 1)];
        return ticks * 1000.0 / Stopwatch.Frequency;
    }

    public double MeanMs => _latencyTicks.Count == 0 ? double.NaN : _latencyTicks.Average() * 1000.0 / Stopwatch.Frequency;

    /// <summary>CPU microseconds per call for one role, or NaN when not measured.</summary>
    public double CpuMicrosPerCall(string role) =>
        Calls > 0 && Cpu.TryGetValue(role, out TimeSpan time) ? time.TotalMicroseconds / Calls : double.NaN;
}
