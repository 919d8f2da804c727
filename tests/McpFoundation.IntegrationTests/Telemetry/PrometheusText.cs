using System.Globalization;
using System.Text.RegularExpressions;

namespace McpFoundation.IntegrationTests.Telemetry;

/// <summary>One sample of a Prometheus text exposition: metric name, labels, value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4 (no maintained .NET parser is served): every line is
/// a comment (<c># HELP</c>, <c># TYPE</c>, other <c>#</c> text), empty, or a sample <c>name{labels} value [timestamp]</c>
/// with valid names, escaped label values and a float value; a TYPE comes before its samples, once per family; and a
/// histogram's buckets are cumulative, end in <c>le="+Inf"</c> equal to <c>_count</c>. Anything else throws.
/// </summary>
internal static partial class PrometheusText
{
    public static (IReadOnlyList<PrometheusSample> Samples, IReadOnlyDictionary<string, string> Types) Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                Match type = TypeLine().Match(line);
                if (type.Success)
                {
                    string family = type.Groups["name"].Value;
                    if (!types.TryAdd(family, type.Groups["type"].Value))
                    {
                        throw new FormatException($"line {number}: a second TYPE for {family}");
                    }

                    if (samples.Any(s => FamilyOf(s.Name, types) == family))
                    {
                        throw new FormatException($"line {number}: TYPE of {family} after its samples");
                    }
                }
                else if (line.StartsWith("# HELP ", StringComparison.Ordinal) && !HelpLine().IsMatch(line))
                {
                    throw new FormatException($"line {number}: malformed HELP: {line}");
                }

                continue;
            }

            Match sample = SampleLine().Match(line);
            if (!sample.Success)
            {
                throw new FormatException($"line {number}: not a sample: {line}");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string rest = sample.Groups["labels"].Value;
            while (rest.Length > 0)
            {
                Match label = Label().Match(rest);
                if (!label.Success)
                {
                    throw new FormatException($"line {number}: malformed labels: {sample.Groups["labels"].Value}");
                }

                if (!labels.TryAdd(label.Groups["name"].Value, Unescape(label.Groups["value"].Value)))
                {
                    throw new FormatException($"line {number}: label {label.Groups["name"].Value} twice");
                }

                rest = rest[label.Length..];
            }

            samples.Add(new PrometheusSample(sample.Groups["name"].Value, labels, ParseValue(sample.Groups["value"].Value, number)));
        }

        CheckHistograms(samples, types);
        return (samples, types);
    }

    private static double ParseValue(string text, int line) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw new FormatException($"line {line}: bad value {text}"),
    };

    private static string FamilyOf(string sample, Dictionary<string, string> types)
    {
        foreach (string suffix in new[] { "_bucket", "_count", "_sum", "_total" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.ContainsKey(sample[..^suffix.Length]))
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }

    private static void CheckHistograms(List<PrometheusSample> samples, Dictionary<string, string> types)
    {
        foreach ((string family, _) in types.Where(t => t.Value == "histogram"))
        {
            foreach (var series in samples.Where(s => s.Name == family + "_bucket").GroupBy(s => Key(s.Labels, except: "le")))
            {
                double previous = 0;
                PrometheusSample? last = null;
                foreach (PrometheusSample bucket in series)
                {
                    if (bucket.Value < previous)
                    {
                        throw new FormatException($"{family}: buckets not cumulative at le={bucket.Labels["le"]}");
                    }

                    previous = bucket.Value;
                    last = bucket;
                }

                if (last is null || last.Labels["le"] != "+Inf")
                {
                    throw new FormatException($"{family}: the last bucket is not le=\"+Inf\"");
                }

                PrometheusSample count = samples.Single(s => s.Name == family + "_count" && Key(s.Labels, null) == series.Key);
                if (count.Value != last.Value)
                {
                    throw new FormatException($"{family}: _count {count.Value} differs from the +Inf bucket {last.Value}");
                }
            }
        }
    }

    private static string Key(IReadOnlyDictionary<string, string> labels, string? except) =>
        string.Join(",", labels.Where(l => l.Key != except).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));

    private static string Unescape(string value) => value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ ]+)( -?[0-9]+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)"",?")]
    private static partial Regex Label();
}
