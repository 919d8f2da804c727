using System.CommandLine;
using McpFoundation.Cli.Commands;

namespace McpFoundation.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ParseResult parseResult = CreateRootCommand().Parse(args);
        int exitCode = await parseResult.InvokeAsync();

        // The parser reports unknown options and bad values (with help) and exits 1; they are bad input (docs/cli.md).
        return parseResult.Errors.Count > 0 ? ExitCodes.BadInput : exitCode;
    }

    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("mcpf: the McpFoundation MCP security gateway. One MCP endpoint in front of many MCP servers.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ServersCommand.Create());
        root.Subcommands.Add(ToolsCommand.Create());
        root.Subcommands.Add(CallCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        return root;
    }
}
