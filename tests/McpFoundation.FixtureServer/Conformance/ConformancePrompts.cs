using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Conformance;

/// <summary>The conformance suite's prompts (scenarios prompts-get-* and completion-complete).</summary>
internal sealed class ConformancePrompts
{
    public const string WithArgumentsName = "test_prompt_with_arguments";

    [McpServerPrompt(Name = "test_simple_prompt"), Description("A simple prompt without arguments.")]
    public static PromptMessage SimplePrompt() =>
        new() { Role = Role.User, Content = new TextContentBlock { Text = "This is a simple prompt for testing." } };

    [McpServerPrompt(Name = WithArgumentsName), Description("A prompt with two required arguments.")]
    public static PromptMessage PromptWithArguments(
        [Description("First test argument")] string arg1,
        [Description("Second test argument")] string arg2) =>
        new() { Role = Role.User, Content = new TextContentBlock { Text = $"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'" } };

    [McpServerPrompt(Name = "test_prompt_with_embedded_resource"), Description("A prompt that embeds a resource.")]
    public static IEnumerable<PromptMessage> PromptWithEmbeddedResource([Description("URI of the resource to embed")] string resourceUri) =>
    [
        new()
        {
            Role = Role.User,
            Content = new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents { Uri = resourceUri, MimeType = "text/plain", Text = "Embedded resource content for testing." },
            },
        },
        new() { Role = Role.User, Content = new TextContentBlock { Text = "Please process the embedded resource above." } },
    ];

    [McpServerPrompt(Name = "test_prompt_with_image"), Description("A prompt with an image (a 1x1 red PNG).")]
    public static IEnumerable<PromptMessage> PromptWithImage() =>
    [
        new() { Role = Role.User, Content = ImageContentBlock.FromBytes(ConformanceMedia.RedPixelPng, "image/png") },
        new() { Role = Role.User, Content = new TextContentBlock { Text = "Please analyze the image above." } },
    ];
}
