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
        Command list = GatewaySession.CreateListCommand("Connect to every configured server and list the tools the gateway exposes, with their exposed names.", static async (gateway, json, cancellationToken) =>
        {
            IReadOnlyList<ToolInfo> available = await gateway.ToolRegistry.ListAvailableToolsAsync(cancellationToken);
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
        tools.Subcommands.Add(list);
        return tools;
    }
}
