using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;
using McpFoundation.Security.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Benchmarks.Micro;

/// <summary>
/// The whole decision the policy filter asks for on a plain call, as the load benchmark's <c>--policy-rules 1000</c>
/// configures it: the argument inspector (kinds, limits, operation class, strict <c>inputSchema</c> validation), then
/// 1,000 rules. With and without strict validation, to show what the schema check costs.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PolicyServiceBenchmarks
{
    private PolicyService _service = null!;
    private OperationContext _context = null!;

    /// <summary>Gets or sets a value indicating whether the tool's inputSchema is validated.</summary>
    [Params(true, false)]
    public bool Strict { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rules = new JsonArray();
        for (int i = 0; i < 999; i++)
        {
            rules.Add(i % 2 == 0
                ? new JsonObject { ["id"] = $"r{i}", ["effect"] = "allow", ["tools"] = new JsonArray($"fixture__read_{i}") }
                : new JsonObject { ["id"] = $"r{i}", ["effect"] = "deny", ["tools"] = new JsonArray($"fixture__danger_{i}_*"), ["when"] = new JsonObject { ["path"] = new JsonObject { ["under"] = new JsonArray("/etc") } } });
        }

        rules.Add(new JsonObject { ["id"] = "echo", ["effect"] = "allow", ["tools"] = new JsonArray("fixture__echo") });
        var json = new JsonObject
        {
            ["settings"] = new JsonObject { ["enable_strict_validation"] = Strict },
            ["servers"] = new JsonObject
            {
                ["fixture"] = new JsonObject
                {
                    ["command"] = new JsonArray("dotnet", "fixture.dll"),
                    ["security_profile"] = new JsonObject { ["allowed_operations"] = new JsonArray("read", "write", "list"), ["allowed_paths"] = new JsonArray(Path.GetTempPath()), ["max_string_length"] = 65536 },
                },
            },
            ["policy"] = new JsonObject { ["default"] = "deny", ["rules"] = rules },
        };
        GatewayConfiguration configuration = GatewayConfigurationLoader.Parse(json.ToJsonString(), new Dictionary<string, string?>()).Configuration!;
        var provider = new GatewayConfigurationProvider(configuration);
        _service = new PolicyService(provider, new ArgumentInspector(provider, new DnsHostResolver(), TimeProvider.System), TimeProvider.System, NullLogger<PolicyService>.Instance);
        var tool = new Tool
        {
            Name = "fixture__echo",
            Description = "Returns the message unchanged.",
            InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"message":{"description":"The text to echo back.","type":"string"}},"required":["message"]}""").RootElement.Clone(),
        };
        _context = new OperationContext(OperationCategory.ToolExecution, "tools/call") { User = Sessions.SessionRegistry.PrincipalOf("bob", "bench") };
        _context.Resolve("fixture__echo", "fixture", "echo", new OperationTarget { ServerId = "fixture", Server = configuration.Servers["fixture"], Tool = tool });
        _context.SetClientArguments(new Dictionary<string, JsonElement> { ["message"] = JsonDocument.Parse("\"hello\"").RootElement.Clone() });
    }

    [Benchmark]
    public async ValueTask<bool> ValidateEchoCall() => (await _service.ValidateOperationAsync(OperationCategory.ToolExecution, _context)).IsValid;
}
