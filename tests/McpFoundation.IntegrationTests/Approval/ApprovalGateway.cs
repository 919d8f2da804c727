using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Security.Approval;
using McpFoundation.Security.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.IntegrationTests.Approval;

/// <summary>
/// Stands in for the policy filter until it lands: asks for approval of every call of <c>fixture__echo</c> and returns
/// what the broker answers, exactly as the policy filter does with an <c>ask</c> decision.
/// </summary>
internal sealed class AskForEchoFilter(IApprovalBroker broker) : IOperationFilter
{
    public const string Rule = "confirm-echo";
    public const string Tool = "fixture__echo";

    public string Name => "ask-echo";

    public async ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
    {
        if (context.Category != OperationCategory.ToolExecution || context.TargetName != Tool)
        {
            return SecurityDecision.Allow;
        }

        var decision = new PolicyDecision { Effect = PolicyEffect.Ask, RuleIds = [Rule], CorrelationId = context.CorrelationId };
        return await broker.DecideAsync(context, decision, cancellationToken);
    }
}

/// <summary>
/// The real gateway (HTTP and stdio fronts) with the real approval broker and <see cref="AskForEchoFilter"/> in front
/// of the recording fixture over stdio. The broker's clock is a <see cref="FakeTimeProvider"/>, so a test makes the
/// approval time out by moving it on (never by sleeping); the rest of the gateway keeps the real clock.
/// </summary>
public sealed class ApprovalGateway : IAsyncLifetime
{
    private GatewayHost? _host;

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("mcpf-approval-").FullName;

    /// <summary>Gets the broker's clock.</summary>
    internal FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    internal RequestLogFile StdioLog => new(Path.Combine(WorkDirectory, "stdio-requests.jsonl"));

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    /// <summary>The calls of the fixture's echo with exactly this message.</summary>
    internal int EchoCalls(string message) => StdioLog.Entries().Count(e =>
        e.GetProperty("method").GetString() == "tools/call"
        && e.GetProperty("params").GetProperty("name").GetString() == "echo"
        && e.GetProperty("params").TryGetProperty("arguments", out var arguments)
        && arguments.GetRawText() == "{\"message\":\"" + message + "\"}");

    /// <summary>Every echo call the fixture received whose arguments mention <paramref name="text"/>.</summary>
    internal int EchoCallsMentioning(string text) => StdioLog.Entries().Count(e =>
        e.GetProperty("method").GetString() == "tools/call" && e.GetRawText().Contains(text, StringComparison.Ordinal));

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        ServerDefinition fixture = TestServers.Fixture("fixture") with { Env = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = StdioLog.Path } };
        _host = await GatewayHost.StartAsync(
            TestServers.Configuration(fixture),
            cts.Token,
            services: services => services.Replace(ServiceDescriptor.Singleton<IApprovalBroker>(sp => new ApprovalBroker(
                sp.GetRequiredService<GatewayConfigurationProvider>(),
                Clock,
                sp.GetRequiredService<ILogger<ApprovalBroker>>()))),
            gateway: static builder => builder.AddFilter<AskForEchoFilter>());
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
