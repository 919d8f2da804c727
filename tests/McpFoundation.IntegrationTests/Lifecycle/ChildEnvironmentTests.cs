using System.Collections.Concurrent;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>The gateway's own runtime tuning does not leak into the environment its child servers inherit.</summary>
[Trait("Category", "Integration")]
public sealed class ChildEnvironmentTests
{
    [Fact]
    public async Task InheritEnv_InlineSocketCompletionsSetByGateway_NotPassedToTheChild()
    {
        bool wasEnabled = InlineSocketCompletions.IsEnabled;
        InlineSocketCompletions.Enable(); // what `mcpf serve --http` does at start-up
        try
        {
            var lines = new BlockingCollection<string>();
            var definition = new ServerDefinition
            {
                Name = "printenv",
                Transport = ServerTransport.Stdio,
                Command = ["sh", "-c", $"echo \"inline=${{{InlineSocketCompletions.VariableName}:-unset}} path=${{PATH:+set}}\" >&2"],
                InheritEnvironment = true,
            };
            ITransport transport = await new ChildProcessTransport(definition, NullLogger.Instance, lines.Add).ConnectAsync();
            await using (transport)
            {
                Assert.True(lines.TryTake(out string? line, TimeSpan.FromSeconds(10)), "the child printed nothing");
                Assert.Equal(wasEnabled ? "inline=1 path=set" : "inline=unset path=set", line);
            }
        }
        finally
        {
            if (!wasEnabled)
            {
                Environment.SetEnvironmentVariable(InlineSocketCompletions.VariableName, null);
            }
        }
    }
}
