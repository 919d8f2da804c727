using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tests.Servers;

[Trait("Category", "Unit")]
public sealed class DirectRequestsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TryComplete_OneCallInFlight_ContinuesOnTheReadingThread()
    {
        (RecordingTransport transport, DirectRequests direct) = Attached();

        Task<CallToolResult> call = StartCall(direct);
        (int readerThread, int continuationThread) = await CompleteOnDedicatedThreadAsync(direct, transport.Sent[0], call);

        Assert.Equal(readerThread, continuationThread);
        Assert.Equal("done", ((TextContentBlock)(await call).Content[0]).Text);
    }

    [Fact]
    public async Task TryComplete_SeveralCallsInFlight_ContinuesOffTheReadingThread()
    {
        (RecordingTransport transport, DirectRequests direct) = Attached();

        Task<CallToolResult> first = StartCall(direct);
        Task<CallToolResult> second = StartCall(direct);
        (int readerThread, int continuationThread) = await CompleteOnDedicatedThreadAsync(direct, transport.Sent[0], first);

        Assert.NotEqual(readerThread, continuationThread);
        Assert.Equal("done", ((TextContentBlock)(await first).Content[0]).Text);
        Assert.False(second.IsCompleted);
    }

    [Fact]
    public async Task SendAsync_ErrorAnswer_ThrowsWithTheServersCodeAndMessage()
    {
        (RecordingTransport transport, DirectRequests direct) = Attached();

        Task<CallToolResult> call = StartCall(direct);
        Assert.True(direct.TryComplete(new JsonRpcError { Id = transport.Sent[0].Id, Error = new JsonRpcErrorDetail { Code = -32099, Message = "server says no" } }));

        McpProtocolException error = await Assert.ThrowsAsync<McpProtocolException>(() => call.WaitAsync(Timeout));
        Assert.Equal(-32099, (int)error.ErrorCode);
        Assert.Equal("server says no", error.Message);
    }

    [Fact]
    public void TryComplete_AnswerToSomeoneElsesRequest_IsLeftForTheSdk()
    {
        (_, DirectRequests direct) = Attached();

        Assert.False(direct.TryComplete(new JsonRpcResponse { Id = new RequestId(7), Result = new JsonObject() }));
        Assert.False(direct.TryComplete(new JsonRpcResponse { Id = new RequestId("mcpf-999"), Result = new JsonObject() }));
    }

    [Fact]
    public async Task TryCompleteLine_ResultLine_ReadStraightIntoTheResultWithTheRequestsId()
    {
        (RecordingTransport transport, DirectRequests direct) = Attached();
        Task<CallToolResult> call = StartCall(direct);
        string id = (string)transport.Sent[0].Id.Id!;

        // Members in any order, an escaped string, nested values before and after the result.
        string line = $$"""{"jsonrpc":"2.0","_x":{"a":[1,{"b":"}"}]},"result":{"content":[{"type":"text","text":"quote \" and \u00e9"}],"isError":true},"id":"{{id}}"}""";

        Assert.True(direct.TryCompleteLine(System.Text.Encoding.UTF8.GetBytes(line), out RequestId answered));

        Assert.Equal(id, answered.Id);
        CallToolResult result = await call.WaitAsync(Timeout);
        Assert.Equal("quote \" and é", ((TextContentBlock)result.Content[0]).Text);
        Assert.True(result.IsError);
        Assert.False(direct.TryComplete(new JsonRpcResponse { Id = transport.Sent[0].Id, Result = new JsonObject() }), "answered once");
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":"ID","error":{"code":-32099,"message":"no"}}""")] // errors take the message path
    [InlineData("""{"jsonrpc":"2.0","id":"ID","method":"ping","result":{}}""")] // not a response
    [InlineData("""{"jsonrpc":"2.0","id":"mcpf-999999","result":{"content":[]}}""")] // nobody waits for it
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{"content":[]}}""")] // the SDK's own request
    [InlineData("""{"jsonrpc":"2.0","id":"ID","result":null}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"ID","result":{"content":5}}""")] // does not read as a CallToolResult
    [InlineData("""{"jsonrpc":"2.0","id":"ID","result":{"content":[]""")] // cut short
    public void TryCompleteLine_AnythingButAReadableResult_LeftForTheMessagePath(string template)
    {
        (RecordingTransport transport, DirectRequests direct) = Attached();
        Task<CallToolResult> call = StartCall(direct);
        string line = template.Replace("ID", (string)transport.Sent[0].Id.Id!, StringComparison.Ordinal);

        Assert.False(direct.TryCompleteLine(System.Text.Encoding.UTF8.GetBytes(line), out _));

        Assert.False(call.IsCompleted);
    }

    private static (RecordingTransport Transport, DirectRequests Direct) Attached()
    {
        var transport = new RecordingTransport();
        var direct = new DirectRequests();
        direct.Attach(transport);
        return (transport, direct);
    }

    private static Task<CallToolResult> StartCall(DirectRequests direct)
    {
        // Without the test framework's synchronization context, as in ASP.NET Core where the gateway's calls run.
        SynchronizationContext? testContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return direct.SendAsync<CallToolRequestParams, CallToolResult>(RequestMethods.ToolsCall, new CallToolRequestParams { Name = "echo" }, CancellationToken.None);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(testContext);
        }
    }

    private static async Task<(int ReaderThread, int ContinuationThread)> CompleteOnDedicatedThreadAsync(DirectRequests direct, JsonRpcRequest request, Task<CallToolResult> call)
    {
        var continuationThread = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = call.ContinueWith(_ => continuationThread.TrySetResult(Environment.CurrentManagedThreadId), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var result = new CallToolResult { Content = [new TextContentBlock { Text = "done" }] };
        var reader = new Thread(() => direct.TryComplete(new JsonRpcResponse
        {
            Id = request.Id,
            Result = JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult))),
        }));
        reader.Start();
        int continuation = await continuationThread.Task.WaitAsync(Timeout);
        reader.Join();
        return (reader.ManagedThreadId, continuation);
    }

    /// <summary>Records what is sent; answers nothing by itself.</summary>
    private sealed class RecordingTransport : ITransport
    {
        private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>();

        public List<JsonRpcRequest> Sent { get; } = [];

        public string? SessionId => null;

        public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            lock (Sent)
            {
                Sent.Add((JsonRpcRequest)message);
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _incoming.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
