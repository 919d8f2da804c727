using McpFoundation.Configuration;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>
/// The calls waiting on a stdio server whose connection ends are failed when its reader stops, not once every message
/// it left has been taken off the channel: that waits for the SDK's message loop, and a call could sit until its
/// timeout (seen once in CI as -31002 after 30 s where the server's misbehaviour, -31001, was due at once).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClosedConnectionTests
{
    [Fact]
    public async Task DirectRequest_ServerExitsLeavingAMessageNobodyRead_FailsAtOnce()
    {
        // The server reads the request, writes a notification (it goes to the channel the SDK would read; nobody reads
        // it here) and exits with 3.
        const string Script = """read line; printf '%s\n' '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"bye"}}'; exit 3""";
        var definition = new ServerDefinition { Name = "quitter", Transport = ServerTransport.Stdio, Command = ["sh", "-c", Script] };
        ITransport transport = await new ChildProcessTransport(definition, NullLogger.Instance, null).ConnectAsync();
        var direct = new DirectRequests();
        direct.Attach(transport);
        try
        {
            Task<CallToolResult> call = direct.SendAsync<CallToolRequestParams, CallToolResult>("tools/call", new CallToolRequestParams { Name = "anything" }, CancellationToken.None);

            Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.IsNotType<TimeoutException>(failure);
            Assert.Equal(1, transport.MessageReader.Count); // the notification is still there: the failure did not wait for it
        }
        finally
        {
            await transport.DisposeAsync();
        }
    }
}
