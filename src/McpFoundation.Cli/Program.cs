using System.CommandLine;
using McpFoundation.Cli.Commands;

namespace McpFoundation.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => CreateRootCommand().Parse(args).InvokeAsync();

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
