using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Servers;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Fixture;

/// <summary>
/// The fixture server behind the gateway, reached by the SDK's real client through both fronts. Tests in this class
/// share one gateway (they run one after another), so each uses names and markers of its own.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FixtureThroughGatewayTests(FixtureGateway gateway) : IClassFixture<FixtureGateway>
{
    private const string SdkRemotePrefix = "Request failed (remote): ";

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ListTools_AllServersConnected_ExposesPrefixedNames(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);

        var names = tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(gateway.Host.ServerManager.GetHealth(), h => Assert.Equal(ServerState.Connected, h.State));
        Assert.Contains("fixture__echo", names);
        Assert.Contains("inherit__echo", names);
        Assert.Contains("fixture_http__echo", names);
        Assert.Contains("paged__echo", names);
        Assert.DoesNotContain("echo", names);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ListTools_DownstreamPaginates_GatewayExposesEveryPage(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);

        var names = tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < FixtureGateway.ExtraTools; i++)
        {
            Assert.Contains($"paged__extra_{i:D3}", names);
        }

        // Same fixture build, same base tools: the paged server has exactly the 120 extras more than an unpaged one.
        int unpaged = names.Count(n => n.StartsWith("inherit__", StringComparison.Ordinal));
        Assert.Equal(unpaged + FixtureGateway.ExtraTools, names.Count(n => n.StartsWith("paged__", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture")]
    [InlineData(GatewayFront.Stdio, "fixture")]
    [InlineData(GatewayFront.Http, "fixture_http")]
    public async Task CallTool_Echo_ReturnsMessageUnchanged(GatewayFront front, string server)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync(server + "__echo", Results.Args(("message", "héllo ✓")), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("héllo ✓", result.Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_Add_KeepsStructuredContent(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync("fixture__add", Results.Args(("a", 2), ("b", 40)), cancellationToken: cts.Token);

        Assert.Equal("42", result.Text());
        Assert.True(result.StructuredContent.HasValue);
        Assert.Equal(42, result.StructuredContent.Value.GetProperty("sum").GetDouble());
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture")]
    [InlineData(GatewayFront.Stdio, "fixture")]
    [InlineData(GatewayFront.Http, "fixture_http")]
    [InlineData(GatewayFront.Stdio, "fixture_http")]
    public async Task CallTool_ProgressBurst_AllNotificationsArriveInOrderBeforeResult(GatewayFront front, string server)
    {
        const int Count = 50;
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        for (int round = 0; round < 20; round++)
        {
            string token = $"burst-{server}-{round}";
            int start = client.Wire.Snapshot().Count;
            var request = new CallToolRequestParams
            {
                Name = server + "__progress_burst",
                Arguments = new Dictionary<string, JsonElement> { ["count"] = JsonSerializer.SerializeToElement(Count) },
                Meta = new JsonObject { ["progressToken"] = token },
            };

            CallToolResult result = await client.Client.CallToolAsync(request, cts.Token);

            Assert.Equal($"done {Count}", result.Text());
            IReadOnlyList<JsonRpcMessage> wire = [.. client.Wire.Snapshot().Skip(start)];
            int resultIndex = wire.Select((m, i) => (m, i)).First(x => x.m is JsonRpcResponse).i;
            List<double> progress = [.. wire.Take(resultIndex)
                .OfType<JsonRpcNotification>()
                .Where(n => n.Method == NotificationMethods.ProgressNotification && (string?)n.Params?["progressToken"] == token)
                .Select(n => (double)n.Params!["progress"]!)];
            Assert.Equal(Enumerable.Range(1, Count).Select(i => (double)i), progress);
            Assert.DoesNotContain(wire.Skip(resultIndex), m => m is JsonRpcNotification { Method: NotificationMethods.ProgressNotification });
        }
    }

    /// <remarks>
    /// The SDK's McpClient (2.3.1) never sends notifications/cancelled when the token of a request fires: in
    /// McpSessionHandler.SendRequestAsync the continuation of <c>tcs.Task.WaitAsync(cancellationToken)</c> runs inline
    /// during Cancel and disposes the registration that would send it before that registration's callback runs
    /// (callbacks run last-registered first). So the test client does what a compliant client does, and sends the
    /// notification itself for the id the SDK gave its request; then it abandons the wait with its token.
    /// </remarks>
    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_ClientCancels_DownstreamCallIsCancelled(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        Assert.True(gateway.Host.ServerManager.TryGetServer("fixture", out DownstreamServer server));
        int startedBefore = Events("started ");
        int cancelledBefore = Events("cancelled ");
        using var callCts = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);

        Task<CallToolResult> call = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 30)), cancellationToken: callCts.Token).AsTask();
        await Eventually.WaitUntilAsync(() => Events("started ") > startedBefore, "the call reaches the fixture", cts.Token);
        RequestId id = client.Wire.Sent().OfType<JsonRpcRequest>().Last(r => r.Method == RequestMethods.ToolsCall).Id;
        await client.Client.SendNotificationAsync(
            NotificationMethods.CancelledNotification,
            new CancelledNotificationParams { RequestId = id, Reason = "test cancels" },
            cancellationToken: cts.Token);
        await callCts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await Eventually.WaitUntilAsync(() => Events("cancelled ") > cancelledBefore, "the fixture records the cancellation", cts.Token);
        await Eventually.WaitUntilAsync(() => server.InFlightCalls.Count == 0, "the gateway forgets the call", cts.Token);
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture")]
    [InlineData(GatewayFront.Stdio, "fixture")]
    [InlineData(GatewayFront.Http, "fixture_http")]
    [InlineData(GatewayFront.Stdio, "fixture_http")]
    public async Task CallTool_Sample_ClientAnswerReachesServer(GatewayFront front, string server)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string? seenPrompt = null;
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token, o =>
        {
            o.Capabilities = new ClientCapabilities { Sampling = new SamplingCapability() };
            o.Handlers.SamplingHandler = (request, _, _) =>
            {
                seenPrompt = string.Concat(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(b => b.Text));
                return ValueTask.FromResult(new CreateMessageResult
                {
                    Content = [new TextContentBlock { Text = "reply to " + seenPrompt }],
                    Model = "test-model",
                    Role = Role.Assistant,
                });
            };
        });

        CallToolResult result = await client.Client.CallToolAsync(server + "__sample", Results.Args(("prompt", "what is 6x7?")), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("what is 6x7?", seenPrompt);
        Assert.Equal("sampled: reply to what is 6x7?", result.Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture")]
    [InlineData(GatewayFront.Stdio, "fixture")]
    [InlineData(GatewayFront.Http, "fixture_http")]
    public async Task CallTool_Elicit_ClientAnswerReachesServer(GatewayFront front, string server)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string? seenQuestion = null;
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token, o =>
        {
            o.Capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Form = new FormElicitationCapability() } };
            o.Handlers.ElicitationHandler = (request, _) =>
            {
                seenQuestion = request!.Message;
                return ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("forty-two") },
                });
            };
        });

        CallToolResult result = await client.Client.CallToolAsync(server + "__elicit", Results.Args(("question", "the answer?")), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("the answer?", seenQuestion);
        Assert.Equal("action=accept answer=forty-two", result.Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_Roots_ClientRootsReachServer(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token, o =>
        {
            o.Capabilities = new ClientCapabilities { Roots = new RootsCapability() };
            o.Handlers.RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult
            {
                Roots = [new Root { Uri = "file:///srv/alpha", Name = "alpha" }, new Root { Uri = "file:///srv/beta" }],
            });
        });

        CallToolResult result = await client.Client.CallToolAsync("fixture__roots", cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("file:///srv/alpha\nfile:///srv/beta", result.Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_SampleWithoutClientCapability_RefusedWithoutReachingClient(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        // The gateway refuses the fixture's sampling/createMessage with -32031; the fixture's SDK turns that failed
        // request into a JSON-RPC error of its tools/call with the same code, which the gateway passes through.
        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "hi")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)McpFoundation.Pipeline.GatewayErrorCodes.ClientCapabilityMissing, ex.ErrorCode);
        Assert.Contains("did not declare the capability sampling/createMessage", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(client.Wire.Snapshot(), m => m is JsonRpcRequest { Method: RequestMethods.SamplingCreateMessage });
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture")]
    [InlineData(GatewayFront.Stdio, "fixture")]
    [InlineData(GatewayFront.Http, "fixture_http")]
    public async Task CallTool_DownstreamJsonRpcError_KeepsCodeAndMessage(GatewayFront front, string server)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync(server + "__fail", Results.Args(("code", -32042), ("message", "boom")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)(-32042), ex.ErrorCode);
        Assert.Equal(SdkRemotePrefix + "boom", ex.Message); // the prefix is the test client's own SDK's
        JsonRpcError wire = Assert.Single(client.Wire.Snapshot().OfType<JsonRpcError>());
        Assert.Equal(-32042, wire.Error.Code);
        Assert.Equal("boom", wire.Error.Message);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_ToolError_IsErrorResultPassesThrough(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync("fixture__tool_error", Results.Args(("message", "disk full")), cancellationToken: cts.Token);

        Assert.True(result.IsError);
        Assert.Equal("disk full", result.Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_UnknownTool_InvalidParams(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__no_such_tool", cancellationToken: cts.Token).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("fixture__no_such_tool", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture__ecko", "Did you mean 'fixture__echo'?")]
    [InlineData(GatewayFront.Stdio, "echo", "Did you mean 'fixture__echo', 'fixture_http__echo' or 'inherit__echo'?")]
    public async Task CallTool_CloseOrBareName_InvalidParamsSuggestingTheExposedNames(GatewayFront front, string name, string suggestion)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync(name, cancellationToken: cts.Token).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains($"Unknown tool '{name}'. {suggestion} Call tools/list", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task Logging_SetLevelThenLog_ClientReceivesMessageFromFixtureLogger(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        string marker = "log-" + Guid.NewGuid().ToString("N");

        await client.Client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: cts.Token);
        CallToolResult result = await client.Client.CallToolAsync("fixture__log", Results.Args(("level", "warning"), ("message", marker)), cancellationToken: cts.Token);

        Assert.Equal("logged", result.Text());
        JsonRpcNotification message = await client.Wire.WaitForNotificationAsync(
            NotificationMethods.LoggingMessageNotification, p => (string?)p?["data"] == marker, cts.Token);
        string? logger = (string?)message.Params!["logger"];
        Assert.True(logger == "fixture" || logger!.StartsWith("fixture/", StringComparison.Ordinal), $"logger was '{logger}'");
        Assert.Equal("warning", (string?)message.Params!["level"]);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task Logging_MessageBelowClientLevel_NotDelivered(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        string quiet = "quiet-" + Guid.NewGuid().ToString("N");
        string loud = "loud-" + Guid.NewGuid().ToString("N");

        await client.Client.SetLoggingLevelAsync(LoggingLevel.Error, cancellationToken: cts.Token);
        await client.Client.CallToolAsync("fixture__log", Results.Args(("level", "info"), ("message", quiet)), cancellationToken: cts.Token);
        await client.Client.CallToolAsync("fixture__log", Results.Args(("level", "error"), ("message", loud)), cancellationToken: cts.Token);

        await client.Wire.WaitForNotificationAsync(NotificationMethods.LoggingMessageNotification, p => (string?)p?["data"] == loud, cts.Token);
        Assert.DoesNotContain(client.Wire.Notifications(NotificationMethods.LoggingMessageNotification), n => (string?)n.Params?["data"] == quiet);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task Subscribe_ServerTouchesResource_ClientGetsUpdatedUntilUnsubscribed(GatewayFront front)
    {
        const string Uri = "fixture://static/hello";
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        await client.Client.SubscribeToResourceAsync(Uri, cancellationToken: cts.Token);
        CallToolResult touched = await client.Client.CallToolAsync("fixture__touch_resource", Results.Args(("uri", Uri)), cancellationToken: cts.Token);
        await client.Wire.WaitForNotificationAsync(NotificationMethods.ResourceUpdatedNotification, p => (string?)p?["uri"] == Uri, cts.Token);
        await client.Client.UnsubscribeFromResourceAsync(Uri, cancellationToken: cts.Token);
        CallToolResult afterUnsubscribe = await client.Client.CallToolAsync("fixture__touch_resource", Results.Args(("uri", Uri)), cancellationToken: cts.Token);

        Assert.Equal("notified 1", touched.Text());
        Assert.Equal("notified 0", afterUnsubscribe.Text()); // the gateway released its own downstream subscription
    }

    [Theory]
    [InlineData(GatewayFront.Http, "fixture")]
    [InlineData(GatewayFront.Stdio, "fixture")]
    [InlineData(GatewayFront.Http, "fixture_http")]
    public async Task CallTool_AddTool_ClientGetsListChangedAndNewTool(GatewayFront front, string server)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        string name = "dyn_" + Guid.NewGuid().ToString("N")[..8];
        string exposed = server + "__" + name;

        CallToolResult added = await client.Client.CallToolAsync(server + "__add_tool", Results.Args(("name", name)), cancellationToken: cts.Token);
        Assert.Equal("added " + name, added.Text());

        // Every list_changed makes the client list again, until the new tool is there (other servers may also notify).
        int seen = 0;
        while (true)
        {
            seen = await client.Wire.WaitForAsync(
                m => m.OfType<JsonRpcNotification>().Count(n => n.Method == NotificationMethods.ToolListChangedNotification) is var c && c > seen ? (object)c : null,
                cts.Token) is int count ? count : seen;
            IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);
            if (tools.Any(t => t.Name == exposed))
            {
                break;
            }
        }

        CallToolResult echoed = await client.Client.CallToolAsync(exposed, Results.Args(("message", "new")), cancellationToken: cts.Token);
        Assert.Equal("new", echoed.Text());
    }

    [Fact]
    public async Task CallTool_Env_GatewayEnvironmentNotInheritedUnlessConfigured()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        string isolated = (await client.Client.CallToolAsync("fixture__env", Results.Args(("name", FixtureGateway.GatewaySecretVariable)), cancellationToken: cts.Token)).Text();
        string inherited = (await client.Client.CallToolAsync("inherit__env", Results.Args(("name", FixtureGateway.GatewaySecretVariable)), cancellationToken: cts.Token)).Text();
        string configured = (await client.Client.CallToolAsync("fixture__env", Results.Args(("name", FixtureGateway.ConfiguredVariable)), cancellationToken: cts.Token)).Text();
        string notConfigured = (await client.Client.CallToolAsync("inherit__env", Results.Args(("name", FixtureGateway.ConfiguredVariable)), cancellationToken: cts.Token)).Text();

        Assert.Equal("<unset>", isolated);
        Assert.Equal(FixtureGateway.GatewaySecret, inherited);
        Assert.Equal(FixtureGateway.ConfiguredValue, configured);
        Assert.Equal("<unset>", notConfigured);
    }

    [Fact]
    public async Task CallTool_Cwd_ConfiguredWorkingDirectoryHonoured()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);

        string cwd = (await client.Client.CallToolAsync("fixture__cwd", cancellationToken: cts.Token)).Text();
        string defaultCwd = (await client.Client.CallToolAsync("inherit__cwd", cancellationToken: cts.Token)).Text();

        Assert.Equal(Path.GetFullPath(gateway.WorkDirectory).TrimEnd('/'), cwd.TrimEnd('/'));
        Assert.Equal(Environment.CurrentDirectory.TrimEnd('/'), defaultCwd.TrimEnd('/'));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task Resources_ListAndRead_TextBlobAndTemplatePassThrough(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        IList<McpClientResource> resources = await client.Client.ListResourcesAsync(cancellationToken: cts.Token);
        IList<McpClientResourceTemplate> templates = await client.Client.ListResourceTemplatesAsync(cancellationToken: cts.Token);
        ReadResourceResult hello = await client.Client.ReadResourceAsync("fixture://static/hello", cancellationToken: cts.Token);
        ReadResourceResult blob = await client.Client.ReadResourceAsync("fixture://static/blob", cancellationToken: cts.Token);
        ReadResourceResult item = await client.Client.ReadResourceAsync("fixture://items/7", cancellationToken: cts.Token);

        Assert.Contains(resources, r => r.Uri == "fixture://static/hello");
        Assert.Contains(templates, t => t.UriTemplate == "fixture://items/{id}");
        Assert.Equal("hello from fixture", Assert.IsType<TextResourceContents>(Assert.Single(hello.Contents)).Text);
        Assert.Equal(new byte[] { 0x00, 0x01, 0x02, 0x7F, 0x80, 0xC3, 0x28, 0xFE, 0xFF }, Assert.IsType<BlobResourceContents>(Assert.Single(blob.Contents)).DecodedData.ToArray());
        Assert.Equal("item 7", Assert.IsType<TextResourceContents>(Assert.Single(item.Contents)).Text);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task Prompts_GetAndComplete_PassThrough(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        IList<McpClientPrompt> prompts = await client.Client.ListPromptsAsync(cancellationToken: cts.Token);
        GetPromptResult prompt = await client.Client.GetPromptAsync("fixture__greeting", new Dictionary<string, object?> { ["name"] = "Ada" }, cancellationToken: cts.Token);
        CompleteResult names = await client.Client.CompleteAsync(new PromptReference { Name = "fixture__greeting" }, "name", "al", cancellationToken: cts.Token);
        CompleteResult ids = await client.Client.CompleteAsync(new ResourceTemplateReference { Uri = "fixture://items/{id}" }, "id", "", cancellationToken: cts.Token);

        Assert.Contains(prompts, p => p.Name == "fixture__greeting");
        Assert.Equal("Hello, Ada!", Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
        Assert.Equal(["alice", "albert"], names.Completion.Values);
        Assert.Equal(["1", "2", "3"], ids.Completion.Values);
    }

    private int Events(string prefix) =>
        File.Exists(gateway.EventsFile) ? File.ReadAllLines(gateway.EventsFile).Count(l => l.StartsWith(prefix, StringComparison.Ordinal)) : 0;
}
