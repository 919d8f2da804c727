using BenchmarkDotNet.Running;
using McpFoundation.Benchmarks.Load;

// Three modes: `load` (end-to-end calls/s and latency, gateway vs direct, in one run), `micro` (BenchmarkDotNet) and
// `emergency` (trigger to the last in-flight call answered).
// See docs/PERFORMANCE.md for the commands and the last figures.
const string Usage = """
    usage:
      dotnet run -c Release --project benchmarks/McpFoundation.Benchmarks -- load [options]
      dotnet run -c Release --project benchmarks/McpFoundation.Benchmarks -- micro [BenchmarkDotNet args, e.g. --filter *]
      dotnet run -c Release --project benchmarks/McpFoundation.Benchmarks -- audit [--records N] [--pg CONNECTION_STRING]
      dotnet run -c Release --project benchmarks/McpFoundation.Benchmarks -- emergency [--calls N] [--rounds N] [--served N]
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    Console.Error.WriteLine(LoadOptions.Usage);
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "load":
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args[1..]);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
        }

        return await LoadBenchmark.RunAsync(options);

    case "audit":
        return await McpFoundation.Benchmarks.Audit.AuditThroughputBenchmark.RunAsync(args[1..]);
    case "emergency":
        return await McpFoundation.Benchmarks.Emergency.EmergencyStopBenchmark.RunAsync(args[1..]);

    case "micro":
        string[] rest = args[1..];
        BenchmarkSwitcher.FromAssembly(typeof(LoadBenchmark).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest);
        return 0;

    default:
        Console.Error.WriteLine($"error: unknown mode '{args[0]}'; use load, micro, audit or emergency.");
        Console.Error.WriteLine(Usage);
        return 2;
}
