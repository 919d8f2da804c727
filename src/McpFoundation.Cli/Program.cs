using System.CommandLine;
using McpFoundation.Cli.Commands;

namespace McpFoundation.Cli;

internal static class Program
{
    /// <summary>
    /// How long a verb gets to finish after SIGTERM or Ctrl+C before the process exits anyway. <c>mcpf serve</c> stops
    /// its servers in that time (each: stdin closed, then SIGTERM to its process group, then SIGKILL, each step after
    /// its shutdown timeout of 5 s), so it must be longer than the parser's default of 2 s.
    /// </summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(30);

    public static async Task<int> Main(string[] args)
    {
        ParseResult parseResult = CreateRootCommand().Parse(args);
        if (UnknownCommand(parseResult) is { } unknown)
        {
            // Before help: `mcpf stop --help` would otherwise print the root help and exit 0, as if `stop` existed.
            Console.Error.WriteLine(unknown);
            return ExitCodes.BadInput;
        }

        int exitCode = await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = ShutdownGrace });

        // The parser reports unknown options and bad values (with help) and exits 1; they are bad input (docs/cli.md).
        return parseResult.Errors.Count > 0 ? ExitCodes.BadInput : exitCode;
    }

    /// <summary>
    /// The message for a verb that does not exist (<c>mcpf stop</c>, <c>mcpf servers stop</c>) with the verbs that do,
    /// or null. A verb is the first token after a command that has subcommands.
    /// </summary>
    internal static string? UnknownCommand(ParseResult parseResult)
    {
        Command command = parseResult.CommandResult.Command;
        if (command.Subcommands.Count == 0 || parseResult.UnmatchedTokens.Count == 0)
        {
            return null;
        }

        string token = parseResult.UnmatchedTokens[0];
        int position = parseResult.Tokens.ToList().FindIndex(t => t.Value == token);
        if (token.StartsWith('-') || position < 0 || position != CommandDepth(parseResult.CommandResult))
        {
            return null;
        }

        string path = command is RootCommand ? "mcpf" : $"mcpf {string.Join(' ', CommandPath(parseResult.CommandResult))}";
        string verbs = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
        return $"{path}: unknown command '{token}'. The commands are: {verbs}. Run '{path} --help' for usage.";
    }

    private static int CommandDepth(System.CommandLine.Parsing.CommandResult result) => CommandPath(result).Count;

    private static List<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.CommandResult? current = result; current is { Command: not RootCommand }; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, current.Command.Name);
        }

        return names;
    }

    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("mcpf: the McpFoundation MCP security gateway. One MCP endpoint in front of many MCP servers.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ServersCommand.Create());
        root.Subcommands.Add(ToolsCommand.Create());
        root.Subcommands.Add(CallCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(PolicyCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        return root;
    }
}
