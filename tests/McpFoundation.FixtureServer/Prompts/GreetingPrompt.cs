using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Prompts;

[McpServerPromptType]
internal static class GreetingPrompt
{
    [McpServerPrompt(Name = "greeting"), Description("A user message greeting someone by name.")]
    public static PromptMessage Greeting([Description("Who to greet.")] string name) =>
        new() { Role = Role.User, Content = new TextContentBlock { Text = $"Hello, {name}!" } };
}
