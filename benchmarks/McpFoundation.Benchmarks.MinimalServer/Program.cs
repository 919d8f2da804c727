// A minimal stdio MCP server as a user writes it from the SDK's README: the generic host, the SDK's stdio transport,
// one tool, default settings. Logging goes to stderr at Warning (the console logger's default Information would write
// a line per request, and whoever reads stderr would pay for it). The load benchmark's `sdk` backend.
using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services
    .AddMcpServer()
    .WithStdioServerTransport()
    .WithTools<EchoTools>();
await builder.Build().RunAsync();

/// <summary>The one tool: echo its argument back.</summary>
[McpServerToolType]
internal sealed class EchoTools
{
    [McpServerTool(Name = "echo"), Description("Echoes the message back.")]
    public static string Echo([Description("The text to echo.")] string message) => message;
}
