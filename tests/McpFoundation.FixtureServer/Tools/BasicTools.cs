using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Tools;

/// <summary>Tools with plain, predictable results: echo, add, the two kinds of failure, and the process environment.</summary>
[McpServerToolType]
internal static class BasicTools
{
    [McpServerTool(Name = "echo"), Description("Returns the message unchanged.")]
    public static string Echo([Description("The text to echo back.")] string message) => message;

    [McpServerTool(Name = "add", UseStructuredContent = true, OutputSchemaType = typeof(AddResult))]
    [Description("Adds two numbers. The text content is the sum; the structured content is { \"sum\": ... }.")]
    public static CallToolResult Add([Description("The first addend.")] double a, [Description("The second addend.")] double b)
    {
        double sum = a + b;
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = sum.ToString(CultureInfo.InvariantCulture) }],
            StructuredContent = JsonSerializer.SerializeToElement(new AddResult(sum), McpJsonUtilities.DefaultOptions),
        };
    }

    // McpProtocolException keeps its ErrorCode on the wire; a plain McpException thrown from a tool becomes an
    // isError result instead (and any other exception becomes an isError result with a generic message).
    [McpServerTool(Name = "fail")]
    [Description("Fails the call with a JSON-RPC error carrying exactly the given code and message.")]
    public static string Fail(
        [Description("The JSON-RPC error code, for example -32603.")] int code,
        [Description("The JSON-RPC error message.")] string message) =>
        throw new McpProtocolException(message, (McpErrorCode)code);

    [McpServerTool(Name = "tool_error"), Description("Returns a tool result with isError=true and the message as its text.")]
    public static CallToolResult ToolError([Description("The error text to return.")] string message) =>
        new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [McpServerTool(Name = "env", ReadOnly = true), Description("Returns the value of an environment variable of the server process, or <unset>.")]
    public static string Env([Description("The variable's name.")] string name) =>
        Environment.GetEnvironmentVariable(name) ?? "<unset>";

    [McpServerTool(Name = "cwd", ReadOnly = true), Description("Returns the working directory of the server process.")]
    public static string Cwd() => Environment.CurrentDirectory;

    /// <summary>The structured result of <c>add</c>.</summary>
    /// <param name="Sum">a + b.</param>
    internal sealed record AddResult([property: Description("a + b")] double Sum);
}
