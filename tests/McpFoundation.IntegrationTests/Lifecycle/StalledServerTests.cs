using System.Text.Json.Nodes;
using McpFoundation.Configuration;
using McpFoundation.Servers;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Lifecycle;

/// <summary>
/// A stdio server that stops reading its input must not stall the gateway: writes to it are made on the caller's
/// thread only while they cannot block (with inline I/O that thread may serve every connection on a socket).
/// </summary>
[Trait("Category", "Integration")]
public sealed class StalledServerTests
{
    private static readonly TimeSpan SenderLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SendMessage_ServerNotReadingItsInput_NeverBlocksTheCallersThread()
    {
        var definition = new ServerDefinition { Name = "stalled", Transport = ServerTransport.Stdio, Command = ["sleep", "20"] };
        ITransport transport = await new ChildProcessTransport(definition, NullLogger.Instance, null).ConnectAsync();
        var pending = new List<Task>();
        try
        {
            // The child exits by itself after 20 s, so that a regression fails this test rather than hangs it.
            // 200 messages of 1 KiB: three times what a Linux pipe holds, and nobody reads them.
            var sender = new Thread(() =>
            {
                for (int i = 0; i < 200; i++)
                {
                    pending.Add(transport.SendMessageAsync(new JsonRpcNotification { Method = "notifications/message", Params = JsonValue.Create(new string('x', 1024)) }));
                }
            });
            sender.Start();

            Assert.True(sender.Join(SenderLimit), "the caller's thread blocked writing to a server that does not read its input");
            Assert.Contains(pending, static write => !write.IsCompleted);
        }
        finally
        {
            await transport.DisposeAsync();
            await Task.WhenAll(pending).WaitAsync(SenderLimit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        Assert.All(pending, static write => Assert.True(write.IsCompleted));
    }
}
