using System.CommandLine;
using System.Text.Json;
using McpFoundation.Tools;

namespace McpFoundation.Cli.Commands;

/// <summary><c>mcpf tools list</c>: the tools the gateway exposes.</summary>
internal static class ToolsCommand
{
    public static Command Create()
    {
        var tools = new Command("tools", "Inspect the tools the gateway exposes.");
        var userOption = new Option<string?>("--user", "-u") { Description = "List only what this user may call under the policy (the view its tools/list gets).", HelpName = "ID" };
        var roleOption = new Option<string[]>("--role", "-r") { Description = "A role of that user (repeatable), matched by rules' \"role:<r>\" users.", HelpName = "ROLE" };
        var statsOption = new Option<bool>("--stats") { Description = "Add calls, error rate and p50/p99 latency per tool, as the `mcpf serve` gateway of this data directory published them last." };
        Command list = GatewaySession.CreateListCommand("Connect to every configured server and list the tools the gateway exposes, with their exposed names; with --user, as that user's tools/list shows them.", async (gateway, json, parseResult, cancellationToken) =>
        {
            string? user = parseResult.GetValue(userOption);
            string[] roles = parseResult.GetValue(roleOption) ?? [];
            IReadOnlyList<ToolInfo> available = user is null && roles.Length == 0
                ? await gateway.ToolRegistry.ListAvailableToolsAsync(cancellationToken)
                : await gateway.ToolRegistry.ListAvailableToolsAsync(PolicyCommand.Caller(user, roles), cancellationToken);
            if (parseResult.GetValue(statsOption))
            {
                return await ToolStatisticsView.WriteAsync(gateway, available, json, cancellationToken);
            }

            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(
                    available.Select(t => new { name = t.Name, server = t.ServerId, downstreamName = t.DownstreamName, title = t.Title, description = t.Description, inputSchema = t.InputSchema, annotations = t.Annotations }),
                    CliJson.Indented));
            }
            else
            {
                int width = Math.Max(4, available.Count == 0 ? 4 : available.Max(t => t.Name.Length));
                Console.Out.WriteLine($"{"NAME".PadRight(width)}  DESCRIPTION");
                foreach (ToolInfo tool in available)
                {
                    string description = (tool.Description ?? tool.Title ?? string.Empty).ReplaceLineEndings(" ");
                    Console.Out.WriteLine($"{tool.Name.PadRight(width)}  {(description.Length > 100 ? description[..97] + "..." : description)}");
                }
            }

            return ExitCodes.Success;
        });
        list.Options.Add(userOption);
        list.Options.Add(roleOption);
        list.Options.Add(statsOption);
        tools.Subcommands.Add(list);
        return tools;
    }
}
