using System.Globalization;

namespace McpFoundation.Benchmarks.Load;

/// <summary>
/// The machine's CPU time from the first line of /proc/stat: how much of it the hypervisor gave to other guests
/// (steal). On a shared host it changes from second to second, and a measurement's throughput with it.
/// </summary>
internal static class MachineTime
{
    /// <summary>Steal and total ticks so far, or null where /proc/stat is not readable.</summary>
    public static (long Steal, long Total)? Sample()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string? line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            // user nice system idle iowait irq softirq steal (guest time is already counted in user).
            long[] fields = [.. line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture))];
            return fields.Length == 8 ? (fields[7], fields.Sum()) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }
}
