using System.CommandLine;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Servers;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf servers list</c>: starts every configured server and reports its state.</summary>
internal static class ServersCommand
{
    public static Command Create()
    {
        var servers = new Command("servers", "Inspect the configured MCP servers.");
        Command list = GatewaySession.CreateListCommand("Start every configured server, connect to it, and print its state, name, version and tool count. Exits 1 if an enabled server failed.", static async (gateway, json, cancellationToken) =>
        {
            IReadOnlyList<ServerHealth> health = gateway.ServerManager.GetHealth();
            var tools = (await gateway.ToolRegistry.ListAvailableToolsAsync(cancellationToken)).GroupBy(t => t.ServerId).ToDictionary(g => g.Key, g => g.Count());
            var rows = health.Select(h =>
            {
                ServerDefinition definition = gateway.ServerManager.GetDefinition(h.ServerId)!;
                return new
                {
                    id = h.ServerId,
                    transport = definition.Transport.ToString().ToLowerInvariant(),
                    state = h.State.ToString(),
                    server = gateway.ServerManager.GetServerInfo(h.ServerId) is { } info ? $"{info.Name} {info.Version}" : null,
                    tools = tools.GetValueOrDefault(h.ServerId),
                    error = h.ErrorMessage,
                };
            }).ToList();

            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(rows, CliJson.Indented));
            }
            else
            {
                Console.Out.WriteLine($"{"ID",-20} {"TRANSPORT",-9} {"STATE",-10} {"TOOLS",5}  SERVER / ERROR");
                foreach (var row in rows)
                {
                    Console.Out.WriteLine($"{row.id,-20} {row.transport,-9} {row.state,-10} {row.tools,5}  {row.error ?? row.server}");
                }
            }

            return health.Any(h => h.State == ServerState.Failed) ? ExitCodes.Failure : ExitCodes.Success;
        });
        servers.Subcommands.Add(list);
        return servers;
    }
}
