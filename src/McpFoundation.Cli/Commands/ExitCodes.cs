namespace McpFoundation.Cli.Commands;

/// <summary>The exit codes of mcpf (documented in docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The operation ran but failed: a tool error, a server error, a server that could not be reached.</summary>
    public const int Failure = 1;

    /// <summary>The input was wrong: invalid configuration, bad arguments, unknown option.</summary>
    public const int BadInput = 2;
}
