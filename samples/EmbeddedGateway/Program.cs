// Embeds the McpFoundation gateway in a console application, following the seed's Usage Guide:
// initialize, add a server at run time, list tools, execute a tool on behalf of a user, react to events.
//
//   dotnet run --project samples/EmbeddedGateway -- samples/gateway.json
//
using System.Text.Json;
using McpFoundation;
using McpFoundation.Configuration;
using McpFoundation.Tools;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging;

string configPath = args.Length > 0 ? args[0] : "samples/gateway.json";
using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Warning));

// Load and validate the configuration: every error is reported with its JSON path.
ConfigurationLoadResult loaded = GatewayConfigurationLoader.LoadFile(configPath, GatewayConfigurationLoader.ProcessEnvironment());
if (!loaded.IsValid)
{
    foreach (ConfigurationError error in loaded.Errors)
    {
        Console.Error.WriteLine(error);
    }

    return 2;
}

// Create the MCP integration and initialize it (starts and connects every enabled server).
await using McpSecurityIntegration mcpSystem = McpSecurityIntegration.Create(loaded.Configuration!, loggerFactory);
mcpSystem.ToolRegistry.ToolExecuted += (_, e) => Console.WriteLine($"[tool_executed] {e.ToolName} on {e.ServerId} for {e.UserId}: {(e.Succeeded ? "ok" : $"error {e.ErrorCode}")} in {e.Duration.TotalMilliseconds:0} ms");
mcpSystem.ServerManager.ServerHealthChanged += (_, e) => Console.WriteLine($"[server_health_changed] {e.Current.ServerId}: {e.Previous} -> {e.Current.State}");
await mcpSystem.InitializeAsync();

// Add a new MCP server at run time, described in the configuration file's own format.
using JsonDocument serverConfig = JsonDocument.Parse("""
    {
      "transport": "stdio",
      "command": ["npx", "-y", "@modelcontextprotocol/server-everything@2026.8.31", "stdio"],
      "security_profile": { "risk_level": "medium", "allowed_operations": ["read", "write", "list"] }
    }
    """);
if (!mcpSystem.ServerManager.ServerIds.Contains("file_ops"))
{
    ServerHealth health = await mcpSystem.ServerManager.AddServerAsync("file_ops", serverConfig.RootElement);
    Console.WriteLine($"file_ops: {health.State} {health.ErrorMessage}");
}

// Check tool availability.
IReadOnlyList<ToolInfo> tools = await mcpSystem.ToolRegistry.ListAvailableToolsAsync();
Console.WriteLine($"Available tools: {string.Join(", ", tools.Select(t => t.Name))}");

// Execute a tool through the registry, on behalf of a user.
ToolCallOutcome outcome = await mcpSystem.ToolRegistry.ExecuteToolAsync(
    toolName: "file_ops__echo",
    arguments: new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("hello from the embedded gateway") },
    userId: "user123");
Console.WriteLine(outcome.Succeeded
    ? $"Result: {JsonSerializer.Serialize(outcome.Result!.Content)}"
    : $"Failed: {outcome.ErrorCode} {outcome.ErrorMessage}");

// Check server health.
foreach (string serverId in mcpSystem.ServerManager.ServerIds)
{
    ServerHealth health = await mcpSystem.ServerManager.CheckServerHealthAsync(serverId);
    Console.WriteLine($"{serverId}: {(health.IsHealthy ? "healthy" : $"issue: {health.ErrorMessage}")}");
}

await mcpSystem.RemoveServerAsync("file_ops");
return outcome.Succeeded ? 0 : 1;
