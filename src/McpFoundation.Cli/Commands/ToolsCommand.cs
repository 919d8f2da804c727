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
        Option<string> configOption = CommonOptions.Config();
        Option<bool> jsonOption = CommonOptions.Json();
        var list = new Command("list", "Connect to every configured server and list the tools the gateway exposes, with their exposed names.")
        {
            configOption,
            jsonOption,
        };
        list.SetAction(async (parseResult, cancellationToken) =>
        {
            await using McpSecurityIntegration? gateway = await GatewaySession.StartAsync(parseResult.GetValue(configOption)!, cancellationToken);
            if (gateway is null)
            {
                return ExitCodes.BadInput;
            }

            IReadOnlyList<ToolInfo> available = await gateway.ToolRegistry.ListAvailableToolsAsync(cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(
                    available.Select(t => new { name = t.Name, server = t.ServerId, upstreamName = t.UpstreamName, title = t.Title, description = t.Description, inputSchema = t.InputSchema, annotations = t.Annotations }),
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
