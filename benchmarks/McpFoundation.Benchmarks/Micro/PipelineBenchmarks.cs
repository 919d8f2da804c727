using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using McpFoundation.Pipeline;
using McpFoundation.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// The cost of the gateway's one interception seam around a tool call whose terminal (the router) completes at once:
/// calling the terminal directly is the baseline. <see cref="Observed"/> turns on a meter and an activity listener,
/// as an OpenTelemetry exporter would.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PipelineBenchmarks : IDisposable
{
    private static readonly CallToolResult Result = new() { Content = [new TextContentBlock { Text = "hello" }] };
    private static readonly Func<OperationContext, string, CancellationToken, ValueTask<CallToolResult>> Terminal =
        static (_, _, _) => ValueTask.FromResult(Result);

    private ServiceProvider? _services;
    private OperationPipeline _noFilters = null!;
    private OperationPipeline _oneFilter = null!;
    private MeterListener? _meterListener;
    private ActivityListener? _activityListener;

    /// <summary>Gets or sets a value indicating whether metrics and traces are being collected.</summary>
    [Params(false, true)]
    public bool Observed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        _noFilters = new OperationPipeline([], new OperationRegistry(), metrics, TimeProvider.System, NullLogger<OperationPipeline>.Instance);
        _oneFilter = new OperationPipeline([new AllowFilter()], new OperationRegistry(), metrics, TimeProvider.System, NullLogger<OperationPipeline>.Instance);

        if (Observed)
        {
            _meterListener = new MeterListener
            {
                InstrumentPublished = static (instrument, listener) =>
                {
                    if (instrument.Meter.Name == GatewayTelemetry.SourceName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meterListener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            _meterListener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            _meterListener.Start();
            _activityListener = new ActivityListener
            {
                ShouldListenTo = static source => source.Name == GatewayTelemetry.SourceName,
                Sample = static (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_activityListener);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _meterListener?.Dispose();
        _activityListener?.Dispose();
        _services?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "terminal called directly")]
    public ValueTask<CallToolResult> TerminalDirect() => Terminal(NewContext(), "state", CancellationToken.None);

    [Benchmark(Description = "ExecuteAsync, 0 filters")]
    public async ValueTask<CallToolResult?> ExecuteNoFilters() =>
        (await _noFilters.ExecuteAsync(NewContext(), "state", Terminal, CancellationToken.None)).Value;

    [Benchmark(Description = "ExecuteAsync, 1 allow filter")]
    public async ValueTask<CallToolResult?> ExecuteOneFilter() =>
        (await _oneFilter.ExecuteAsync(NewContext(), "state", Terminal, CancellationToken.None)).Value;

    /// <summary>A routed tool call's context, new for every operation as in the gateway (each is one pipeline operation).</summary>
    private static OperationContext NewContext()
    {
        var context = new OperationContext(OperationCategory.ToolExecution, RequestMethods.ToolsCall);
        context.Resolve("fixture__echo", "fixture", "echo", null);
        return context;
    }

    private sealed class AllowFilter : IOperationFilter
    {
        public string Name => "allow";

        public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(SecurityDecision.Allow);
    }
}
