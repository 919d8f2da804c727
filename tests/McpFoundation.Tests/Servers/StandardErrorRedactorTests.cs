using McpFoundation.Configuration;
using McpFoundation.Servers;
using ModelContextProtocol.Client;

namespace McpFoundation.Tests.Servers;

[Trait("Category", "Security")]
public sealed class StandardErrorRedactorTests
{
    private static readonly ServerDefinition Definition = new()
    {
        Name = "s",
        Transport = ServerTransport.Stdio,
        Command = ["node", "/srv/server.js", "--api-token", "tok-argument-1", "--key=value-after-equals", "ghp_positionalTokenValue", "stdio"],
        Env = new Dictionary<string, string> { ["GITHUB_TOKEN"] = "env-secret-42" },
    };

    [Theory]
    [InlineData("token env-secret-42 rejected", "token *** rejected")]
    [InlineData("bad tok-argument-1 and value-after-equals", "bad *** and ***")]
    [InlineData("login ghp_positionalTokenValue failed", "login *** failed")]
    [InlineData("Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer ***")]
    [InlineData("config api_key=plain123 password: hunter22", "config api_key=*** password: ***")]
    [InlineData("boom: missing API key", "boom: missing API key")]
    [InlineData("listening on stdio at /srv/server.js", "listening on stdio at /srv/server.js")]
    public void Redact_SecretsInLine_Masked(string line, string expected)
    {
        var redactor = new StandardErrorRedactor(Definition);

        Assert.Equal(expected, redactor.Redact(line));
    }

    [Fact]
    public void Redact_LongLine_Capped()
    {
        var redactor = new StandardErrorRedactor(Definition);

        string redacted = redactor.Redact(new string('x', 1000));

        Assert.Equal(StandardErrorRedactor.MaxLineLength + 1, redacted.Length);
        Assert.EndsWith("…", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ExitCodeAndTail_LastLinesJoined()
    {
        var details = new StdioClientCompletionDetails { ExitCode = 3, StandardErrorTail = ["one", "", "two", "three", "four"] };

        string described = ProcessExitDescription.Describe(details, new StandardErrorRedactor(Definition));

        Assert.Equal("the process exited with code 3; stderr: two | three | four", described);
    }

    [Fact]
    public void Describe_KilledBySignal_NamesTheSignal()
    {
        var details = new StdioClientCompletionDetails { ExitCode = 137, StandardErrorTail = [] };

        string described = ProcessExitDescription.Describe(details, new StandardErrorRedactor(Definition));

        Assert.StartsWith("the process exited with code 137 (killed by signal 9, SIGKILL)", described, StringComparison.Ordinal);
    }
}
