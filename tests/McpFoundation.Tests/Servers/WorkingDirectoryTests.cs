using McpFoundation.Configuration;
using McpFoundation.Servers;

namespace McpFoundation.Tests.Servers;

/// <summary>
/// Where a stdio server starts: from a file, in the file's directory (or <c>cwd</c> resolved against it); built in
/// code, in the process's current directory (or <c>cwd</c> resolved against it), as before.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WorkingDirectoryTests
{
    private static readonly string Base = Path.Combine(Path.GetTempPath(), "mcpf-config");

    [Fact]
    public void CreateStdioOptions_FromFileWithoutCwd_StartsInTheFilesDirectory()
    {
        var options = ServerTransportFactory.CreateStdioOptions(Server() with { BaseDirectory = Base }, null);

        Assert.Equal(Base, options.WorkingDirectory);
    }

    [Fact]
    public void CreateStdioOptions_FromFileWithRelativeCwd_ResolvesAgainstTheFilesDirectory()
    {
        var options = ServerTransportFactory.CreateStdioOptions(Server() with { BaseDirectory = Base, Cwd = "./srv/../data" }, null);

        Assert.Equal(Path.Combine(Base, "data"), options.WorkingDirectory);
    }

    [Fact]
    public void CreateStdioOptions_FromFileWithAbsoluteCwd_KeepsIt()
    {
        string absolute = Path.Combine(Path.GetTempPath(), "elsewhere");

        var options = ServerTransportFactory.CreateStdioOptions(Server() with { BaseDirectory = Base, Cwd = absolute }, null);

        Assert.Equal(absolute, options.WorkingDirectory);
    }

    [Fact]
    public void CreateStdioOptions_BuiltInCode_KeepsTheProcesssDirectory()
    {
        var withoutCwd = ServerTransportFactory.CreateStdioOptions(Server(), null);
        var withCwd = ServerTransportFactory.CreateStdioOptions(Server() with { Cwd = "srv" }, null);

        Assert.Null(withoutCwd.WorkingDirectory);
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "srv"), withCwd.WorkingDirectory);
    }

    [Fact]
    public void CreateStdioOptions_FromFileWithRelativeExecutablePath_ResolvesAgainstTheWorkingDirectory()
    {
        var options = ServerTransportFactory.CreateStdioOptions(Server("./bin/server", "./data") with { BaseDirectory = Base, Cwd = "srv" }, null);

        Assert.Equal(Path.Combine(Base, "srv", "bin", "server"), options.Command);
        Assert.Equal(["./data"], options.Arguments);
    }

    [Theory]
    [InlineData("npx")]
    [InlineData("/usr/bin/node")]
    public void CreateStdioOptions_FromFileWithBareOrAbsoluteExecutable_KeepsIt(string executable)
    {
        var options = ServerTransportFactory.CreateStdioOptions(Server(executable) with { BaseDirectory = Base }, null);

        Assert.Equal(executable, options.Command);
    }

    [Fact]
    public void CreateStdioOptions_BuiltInCodeWithRelativeExecutablePath_KeepsIt()
    {
        var options = ServerTransportFactory.CreateStdioOptions(Server("./bin/server"), null);

        Assert.Equal("./bin/server", options.Command);
    }

    private static ServerDefinition Server(params string[] command) =>
        new() { Name = "local", Transport = ServerTransport.Stdio, Command = command.Length == 0 ? ["node", "server.js"] : command };
}
