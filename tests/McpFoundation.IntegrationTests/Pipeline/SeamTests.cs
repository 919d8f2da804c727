using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Routing;
using McpFoundation.Sessions;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Pipeline;

/// <summary>
/// The seam with real filters installed through <c>AddFilter</c>, on both fronts, in front of the recording fixture:
/// every client method and every server-to-client message is seen by the recording filter with a full context; a
/// denial of each leaves no trace downstream (the fixture's request log) and no changed state; every operation has
/// exactly one outcome; lists can be trimmed per caller.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class SeamTests(SeamGateway gateway) : IClassFixture<SeamGateway>, IDisposable
{
    private const string HelloUri = "fixture://static/hello";

    public void Dispose()
    {
        gateway.Scripted.Reset();
        gateway.Recorder.Clear();
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task EveryClientMethod_SeenByTheFilterWithAFullContextAndOneOutcome(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        gateway.Recorder.Clear();

        await client.Client.ListToolsAsync(cancellationToken: cts.Token);
        await client.Client.ListResourcesAsync(cancellationToken: cts.Token);
        await client.Client.ListResourceTemplatesAsync(cancellationToken: cts.Token);
        await client.Client.ListPromptsAsync(cancellationToken: cts.Token);
        await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "seen")), cancellationToken: cts.Token);
        await client.Client.CallToolAsync("fixture_http__echo", Results.Args(("message", "seen over http")), cancellationToken: cts.Token);
        await client.Client.ReadResourceAsync(HelloUri, cancellationToken: cts.Token);
        await client.Client.ReadResourceAsync("fixture://items/7", cancellationToken: cts.Token);
        await client.Client.GetPromptAsync("fixture__greeting", new Dictionary<string, object?> { ["name"] = "alice" }, cancellationToken: cts.Token);
        await client.Client.CompleteAsync(new PromptReference { Name = "fixture__greeting" }, "name", "al", cancellationToken: cts.Token);
        await client.Client.SubscribeToResourceAsync(HelloUri, cancellationToken: cts.Token);
        await client.Client.UnsubscribeFromResourceAsync(HelloUri, cancellationToken: cts.Token);
        await client.Client.SetLoggingLevelAsync(LoggingLevel.Warning, cancellationToken: cts.Token);

        IReadOnlyList<SeenOperation> seen = gateway.Recorder.Requests;
        string?[] expectedUser = front == GatewayFront.Stdio ? [Environment.UserName] : [null];
        Assert.All(seen, s => Assert.Equal(ProtocolEra.SessionBased, s.Era));
        Assert.All(seen, s => Assert.Contains(s.UserId, expectedUser));

        Assert.Equal(
            [RequestMethods.ToolsList, RequestMethods.ResourcesList, RequestMethods.ResourcesTemplatesList, RequestMethods.PromptsList],
            seen.Where(s => s.Category == OperationCategory.Discovery).Select(s => s.Method));

        SeenOperation echo = Assert.Single(seen, s => s.Category == OperationCategory.ToolExecution && s.ServerId == "fixture");
        Assert.Equal(("fixture__echo", "echo"), (echo.TargetName, echo.DownstreamName));
        Assert.Equal("fixture__echo", echo.Target?.Tool?.Name);
        Assert.Equal(JsonValueKind.Object, echo.Target?.Tool?.InputSchema.ValueKind);
        Assert.Equal(Infrastructure.RepoPaths.DotnetHost, echo.Target?.Server?.Command[0]);
        Assert.Equal("""{"message":"seen"}""", echo.ArgumentsJson);
        Assert.Single(seen, s => s.Category == OperationCategory.ToolExecution && s.ServerId == "fixture_http" && s.DownstreamName == "echo");

        SeenOperation hello = Assert.Single(seen, s => s.Category == OperationCategory.ResourceRead && s.TargetName == HelloUri);
        Assert.Equal(("fixture", "hello"), (hello.ServerId, hello.Target?.Resource?.Name));
        SeenOperation item = Assert.Single(seen, s => s.Category == OperationCategory.ResourceRead && s.TargetName == "fixture://items/7");
        Assert.Equal("fixture://items/{id}", item.Target?.ResourceTemplate?.UriTemplate);

        SeenOperation prompt = Assert.Single(seen, s => s.Category == OperationCategory.PromptGet);
        Assert.Equal(("fixture", "greeting", "fixture__greeting"), (prompt.ServerId, prompt.DownstreamName, prompt.Target?.Prompt?.Name));
        Assert.Equal("""{"name":"alice"}""", prompt.ArgumentsJson);
        SeenOperation completion = Assert.Single(seen, s => s.Category == OperationCategory.Completion);
        Assert.Equal(("fixture", """{"name":"al"}"""), (completion.ServerId, completion.ArgumentsJson));

        Assert.Equal(
            [RequestMethods.ResourcesSubscribe, RequestMethods.ResourcesUnsubscribe],
            seen.Where(s => s.Category == OperationCategory.ResourceSubscription && s.ServerId == "fixture").Select(s => s.Method));

        // setLevel: the client's request, then one operation per server it reaches, each with the request as parent.
        SeenOperation setLevel = Assert.Single(seen, s => s.Category == OperationCategory.LoggingLevel && s.Parent is null);
        Assert.Null(setLevel.ServerId);
        Assert.Contains(seen, s => s.Category == OperationCategory.LoggingLevel && s.ServerId == "fixture" && ReferenceEquals(s.Parent, setLevel.Context));

        // One outcome per operation, each of them a success.
        await Eventually.WaitUntilAsync(() => gateway.Recorder.Outcomes.Count >= seen.Count, "every operation was reported", cts.Token);
        Assert.Equal(seen.Count, gateway.Recorder.Outcomes.Count);
        Assert.All(seen, s => Assert.Single(gateway.Recorder.Outcomes, o => ReferenceEquals(o.Context, s.Context)));
        Assert.All(gateway.Recorder.Outcomes, o => Assert.True(o.Outcome.Succeeded, $"{o.Context.Method}: {o.Outcome.ErrorMessage}"));
        Assert.IsType<CallToolResult>(gateway.Recorder.Outcomes.First(o => o.Context == echo.Context).Outcome.Result);
    }

    public static TheoryData<GatewayFront, string> DeniableMethods()
    {
        var data = new TheoryData<GatewayFront, string>();
        foreach (GatewayFront front in new[] { GatewayFront.Http, GatewayFront.Stdio })
        {
            foreach (string method in new[]
            {
                RequestMethods.ToolsList, RequestMethods.ResourcesList, RequestMethods.ResourcesTemplatesList, RequestMethods.PromptsList,
                RequestMethods.ToolsCall, RequestMethods.ResourcesRead, RequestMethods.PromptsGet, RequestMethods.CompletionComplete,
                RequestMethods.ResourcesSubscribe, RequestMethods.ResourcesUnsubscribe, RequestMethods.LoggingSetLevel,
            })
            {
                data.Add(front, method);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DeniableMethods))]
    public async Task AnyClientMethod_Denied_RefusedWithReasonNoTraceDownstreamAndNoStateChange(GatewayFront front, string method)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        ClientSession session = SessionOf(client, front);
        if (method == RequestMethods.ResourcesUnsubscribe)
        {
            await client.Client.SubscribeToResourceAsync(HelloUri, cancellationToken: cts.Token);
        }

        int downstreamBefore = DownstreamCount(method);
        gateway.Scripted.DenyWhen = ctx => ctx.Method == method;
        gateway.Recorder.Clear();

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() => InvokeAsync(client.Client, method, cts.Token));
        gateway.Scripted.Reset();

        Assert.Equal((McpErrorCode)GatewayErrorCodes.OperationDenied, refused.ErrorCode);
        Assert.Contains("denied by the test's scripted filter", refused.Message, StringComparison.Ordinal);
        SeenOperation denied = Assert.Single(gateway.Recorder.Requests);
        JsonRpcError error = client.Wire.Snapshot().OfType<JsonRpcError>().Last();
        Assert.Equal(denied.CorrelationId, error.Error.Data is JsonElement data ? data.GetProperty(GatewayErrors.CorrelationIdField).GetString() : null);
        Assert.Equal("scripted", ((JsonElement)error.Error.Data!).GetProperty(GatewayErrors.FilterField).GetString());

        // The recorder allowed it and is told, once, that it was denied.
        SeenOutcome outcome = Assert.Single(gateway.Recorder.Outcomes);
        Assert.Equal(("scripted", GatewayErrorCodes.OperationDenied), (outcome.Outcome.DeniedBy, outcome.Outcome.ErrorCode));

        // Nothing reached the server, and nothing changed in the gateway: a probe after the denial proves the log is current.
        await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "probe")), cancellationToken: cts.Token);
        await Eventually.WaitUntilAsync(() => gateway.StdioLog.Entries().Any(e => e.GetProperty("params").TryGetProperty("arguments", out JsonElement a) && a.GetRawText().Contains("probe", StringComparison.Ordinal)), "the probe reached the fixture", cts.Token);
        Assert.Equal(downstreamBefore, DownstreamCount(method));
        Assert.Null(session.LoggingLevel);
        Assert.Equal(method == RequestMethods.ResourcesUnsubscribe ? [HelloUri] : [], session.Subscriptions);
    }

    [Theory]
    [InlineData(RequestMethods.ToolsList)]
    [InlineData(RequestMethods.ResourcesList)]
    [InlineData(RequestMethods.ResourcesTemplatesList)]
    [InlineData(RequestMethods.PromptsList)]
    [InlineData(RequestMethods.ToolsCall)]
    [InlineData(RequestMethods.ResourcesRead)]
    [InlineData(RequestMethods.PromptsGet)]
    [InlineData(RequestMethods.CompletionComplete)]
    public async Task StatelessClient_EachRequestMethod_SeenAsStatelessAndDeniedWithoutTrace(string method)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, static o => o.ProtocolVersion = "2026-07-28");
        gateway.Recorder.Clear();

        await InvokeAsync(client.Client, method, cts.Token);

        SeenOperation seen = Assert.Single(gateway.Recorder.Requests, s => s.Method == method);
        Assert.Equal(ProtocolEra.Stateless, seen.Era);
        Assert.Single(gateway.Recorder.Outcomes, o => ReferenceEquals(o.Context, seen.Context) && o.Outcome.Succeeded);

        int downstreamBefore = DownstreamCount(method);
        gateway.Scripted.DenyWhen = ctx => ctx.Method == method;
        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() => InvokeAsync(client.Client, method, cts.Token));
        gateway.Scripted.Reset();

        Assert.Equal((McpErrorCode)GatewayErrorCodes.OperationDenied, refused.ErrorCode);
        await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "probe")), cancellationToken: cts.Token);
        Assert.Equal(downstreamBefore, DownstreamCount(method));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ToolsList_FilterTrimsTheResult_CallerSeesTheTrimmedList(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        gateway.Scripted.OnCompleted = (ctx, outcome) =>
        {
            if (outcome.Result is ListToolsResult list)
            {
                ctx.ReplaceResult(new ListToolsResult { Tools = [.. list.Tools.Where(t => t.Name.StartsWith("fixture_http__", StringComparison.Ordinal))] }, "scripted");
            }
        };

        IList<McpClientTool> tools = await client.Client.ListToolsAsync(cancellationToken: cts.Token);

        Assert.NotEmpty(tools);
        Assert.All(tools, t => Assert.StartsWith("fixture_http__", t.Name, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ToolCall_FilterRewritesArguments_ServerRunsWhatTheFiltersSaw(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        gateway.Scripted.DenyWhen = ctx =>
        {
            if (ctx.Category == OperationCategory.ToolExecution && ctx.Arguments?.ContainsKey("message") == true)
            {
                ctx.ReplaceArguments(new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement("[redacted]") }, "redactor");
            }

            return false;
        };

        CallToolResult result = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "my password is hunter2")), cancellationToken: cts.Token);

        Assert.Equal("[redacted]", result.Text());
        Assert.DoesNotContain(gateway.StdioLog.Entries(), e => e.GetRawText().Contains("hunter2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task UnknownTool_StillPassesTheSeamUnresolved(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        gateway.Recorder.Clear();

        McpProtocolException ex = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__no_such_tool", cancellationToken: cts.Token).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        SeenOperation seen = Assert.Single(gateway.Recorder.Requests);
        Assert.Equal(("fixture__no_such_tool", null), (seen.TargetName, seen.ServerId));
        Assert.Equal((int)McpErrorCode.InvalidParams, Assert.Single(gateway.Recorder.Outcomes).Outcome.ErrorCode);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ServerToClientRequest_SeenWithItsCallAsParent_AndDeniedNeverReachesTheClient(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        int samplingCalls = 0;
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token, SamplingClient(() => Interlocked.Increment(ref samplingCalls)));
        gateway.Recorder.Clear();

        CallToolResult allowed = await client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "two and two")), cancellationToken: cts.Token);

        Assert.Equal("sampled: reply to two and two", allowed.Text());
        SeenOperation call = Assert.Single(gateway.Recorder.Requests, s => s.Category == OperationCategory.ToolExecution);
        SeenOperation sampling = Assert.Single(gateway.Recorder.Requests, s => s.Category == OperationCategory.ServerToClientRequest);
        Assert.Equal((RequestMethods.SamplingCreateMessage, "fixture", call.CorrelationId), (sampling.Method, sampling.ServerId, sampling.CorrelationId));
        Assert.Same(call.Context, sampling.Parent);
        Assert.Contains("two and two", sampling.ArgumentsJson, StringComparison.Ordinal);

        gateway.Scripted.DenyWhen = ctx => ctx.Category == OperationCategory.ServerToClientRequest;
        // The server's sampling request is refused with the filter's reason; the server fails the call with it.
        McpProtocolException denied = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "again")), cancellationToken: cts.Token).AsTask());

        Assert.Contains("sampling/createMessage is denied by the test's scripted filter", denied.Message, StringComparison.Ordinal);
        Assert.Equal(1, samplingCalls);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ServerNotifications_PassTheSeam_DeniedOnesAreNotDelivered(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        await client.Client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: cts.Token);
        string token = "progress-" + Guid.NewGuid().ToString("N");
        gateway.Recorder.Clear();

        await client.Client.CallToolAsync(
            new CallToolRequestParams { Name = "fixture__progress_burst", Arguments = new Dictionary<string, JsonElement> { ["count"] = JsonSerializer.SerializeToElement(3) }, Meta = new JsonObject { ["progressToken"] = token } },
            cts.Token);
        string allowedMarker = "log-" + Guid.NewGuid().ToString("N");
        await client.Client.CallToolAsync("fixture__log", Results.Args(("level", "warning"), ("message", allowedMarker)), cancellationToken: cts.Token);
        await client.Wire.WaitForNotificationAsync(NotificationMethods.LoggingMessageNotification, p => (string?)p?["data"] == allowedMarker, cts.Token);

        SeenOperation call = Assert.Single(gateway.Recorder.Requests, s => s.Category == OperationCategory.ToolExecution && s.TargetName == "fixture__progress_burst");
        List<SeenOperation> progress = [.. gateway.Recorder.Requests.Where(s => s.Category == OperationCategory.ServerNotification && s.Method == NotificationMethods.ProgressNotification)];
        Assert.Equal(3, progress.Count);
        Assert.All(progress, p => Assert.Same(call.Context, p.Parent));
        Assert.Contains(gateway.Recorder.Requests, s => s.Category == OperationCategory.ServerNotification && s.Method == NotificationMethods.LoggingMessageNotification && s.ServerId == "fixture");

        // A denied log message is not delivered; the next allowed one is, so the client's stream is current.
        string deniedMarker = "log-" + Guid.NewGuid().ToString("N");
        gateway.Scripted.DenyWhen = ctx => ctx.Method == NotificationMethods.LoggingMessageNotification && ctx.Arguments?["data"].GetString() == deniedMarker;
        await client.Client.CallToolAsync("fixture__log", Results.Args(("level", "warning"), ("message", deniedMarker)), cancellationToken: cts.Token);
        string afterMarker = "log-" + Guid.NewGuid().ToString("N");
        await client.Client.CallToolAsync("fixture__log", Results.Args(("level", "warning"), ("message", afterMarker)), cancellationToken: cts.Token);
        await client.Wire.WaitForNotificationAsync(NotificationMethods.LoggingMessageNotification, p => (string?)p?["data"] == afterMarker, cts.Token);

        Assert.DoesNotContain(client.Wire.Notifications(NotificationMethods.LoggingMessageNotification), n => (string?)n.Params?["data"] == deniedMarker);
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task ListChanged_PassesTheSeamPerSession_DeniedItIsNotDelivered(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        gateway.Recorder.Clear();

        // A tool added on the HTTP fixture: the gateway refetches and tells every session, each through the pipeline.
        await client.Client.CallToolAsync("fixture_http__add_tool", Results.Args(("name", "added_" + Guid.NewGuid().ToString("N"))), cancellationToken: cts.Token);
        await client.Wire.WaitForAsync(m => m.OfType<JsonRpcNotification>().FirstOrDefault(n => n.Method == NotificationMethods.ToolListChangedNotification), cts.Token);

        Assert.Contains(gateway.Recorder.Requests, s => s.Category == OperationCategory.ServerNotification && s.Method == NotificationMethods.ToolListChangedNotification);

        // Denied: the next change reaches the catalogue, but not this client.
        int delivered = client.Wire.Notifications(NotificationMethods.ToolListChangedNotification).Count;
        gateway.Scripted.DenyWhen = ctx => ctx.Method == NotificationMethods.ToolListChangedNotification;
        string hidden = "hidden_" + Guid.NewGuid().ToString("N");
        await client.Client.CallToolAsync("fixture_http__add_tool", Results.Args(("name", hidden)), cancellationToken: cts.Token);
        await Eventually.WaitUntilAsync(
            () => gateway.Recorder.Outcomes.Any(o => o.Context.Method == NotificationMethods.ToolListChangedNotification && o.Outcome.DeniedBy == "scripted"),
            "a list_changed was denied",
            cts.Token);
        gateway.Scripted.Reset();

        Assert.Contains((await client.Client.ListToolsAsync(cancellationToken: cts.Token)), t => t.Name == "fixture_http__" + hidden);
        Assert.Equal(delivered, client.Wire.Notifications(NotificationMethods.ToolListChangedNotification).Count);
    }

    [Fact]
    public async Task StatelessClient_SuspendedCall_IsOneOperationWithOneOutcomeAndItsOriginalArguments()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, StatelessSamplingClient);
        gateway.Recorder.Clear();

        CallToolResult result = await client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "original")), cancellationToken: cts.Token);

        Assert.Equal("sampled: reply to original", result.Text());
        SeenOperation call = Assert.Single(gateway.Recorder.Requests, s => s.Category == OperationCategory.ToolExecution);
        Assert.Equal((ProtocolEra.Stateless, """{"prompt":"original"}"""), (call.Era, call.ArgumentsJson));
        SeenOperation input = Assert.Single(gateway.Recorder.Requests, s => s.Category == OperationCategory.ClientInputResponse);
        Assert.Same(call.Context, input.Parent);
        Assert.Equal((call.CorrelationId, "fixture"), (input.CorrelationId, input.ServerId));

        await Eventually.WaitUntilAsync(() => gateway.Recorder.Outcomes.Any(o => o.Context == call.Context), "the call was reported", cts.Token);
        SeenOutcome outcome = Assert.Single(gateway.Recorder.Outcomes, o => o.Context == call.Context);
        Assert.True(outcome.Outcome.Succeeded);
        Assert.Equal("sampled: reply to original", ((CallToolResult)outcome.Outcome.Result!).Text());
        Assert.Equal(0, gateway.Host.Services.GetRequiredService<SuspendedToolCalls>().Count);
        Assert.Equal(0, gateway.Host.Services.GetRequiredService<OperationPipeline>().Registry.Count);
    }

    [Fact]
    public async Task StatelessClient_InputResponsesDenied_ServerNeverSeesThemAndTheCallEndsOnce()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token, StatelessSamplingClient);
        gateway.Scripted.DenyWhen = ctx => ctx.Category == OperationCategory.ClientInputResponse;
        gateway.Recorder.Clear();

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync("fixture__sample", Results.Args(("prompt", "never answered")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.OperationDenied, refused.ErrorCode);
        SeenOperation call = Assert.Single(gateway.Recorder.Requests, s => s.Category == OperationCategory.ToolExecution);
        await Eventually.WaitUntilAsync(() => gateway.Recorder.Outcomes.Any(o => o.Context == call.Context), "the call was reported", cts.Token);
        SeenOutcome outcome = Assert.Single(gateway.Recorder.Outcomes, o => o.Context == call.Context);
        Assert.False(outcome.Outcome.Succeeded);
        Assert.DoesNotContain(gateway.StdioLog.Entries(), e => e.GetRawText().Contains("reply to never answered", StringComparison.Ordinal));
        Assert.Equal(0, gateway.Host.Services.GetRequiredService<SuspendedToolCalls>().Count);
    }

    [Fact]
    public async Task FilterBlocksInCompletion_OtherCallsOfTheSameServerStillComplete()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient first = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        await using TestClient second = await gateway.Host.ConnectAsync(GatewayFront.Http, cts.Token);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        gateway.Scripted.OnCompleted = (ctx, _) =>
        {
            if (ctx.Category == OperationCategory.ToolExecution && ctx.Arguments?["message"].GetString() == "block my completion")
            {
                // A filter that breaks the never-block rule: it must stall its own call only.
                entered.Set();
                release.Wait(TestTimeouts.Default);
            }
        };

        Task<CallToolResult> blocked = first.Client.CallToolAsync("fixture__echo", Results.Args(("message", "block my completion")), cancellationToken: cts.Token).AsTask();
        try
        {
            Assert.True(entered.Wait(TestTimeouts.Default, cts.Token), "the blocking completion never ran");

            // The blocked call's answer was read by the stdio server's reader thread; that thread must be free again.
            CallToolResult other;
            try
            {
                other = await second.Client.CallToolAsync("fixture__echo", Results.Args(("message", "still served")), cancellationToken: cts.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(20), cts.Token);
            }
            catch (TimeoutException)
            {
                // What the gateway and the fixture were doing, for the failure to say where the second call stalled.
                throw new TimeoutException(
                    $"The second call did not complete in 20 s. Pool threads: {ThreadPool.ThreadCount}, queued items: {ThreadPool.PendingWorkItemCount}; " +
                    $"in flight: [{string.Join(", ", gateway.Host.Gateway.GetOperationsInFlight().Select(o => $"{o.TargetName} (suspended: {o.IsSuspended})"))}]; " +
                    $"the fixture's last requests: [{string.Join(" | ", gateway.StdioLog.Entries().TakeLast(5))}]");
            }

            Assert.Equal("still served", other.Text());
            Assert.False(blocked.IsCompleted);
        }
        finally
        {
            release.Set();
        }

        Assert.Equal("block my completion", (await blocked).Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task OperationsInFlight_ListedAndCancelledByTheGateway_ClientHearsWhyServerIsTold(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        gateway.Recorder.Clear();
        int cancelledBefore = gateway.StdioLog.Count(NotificationMethods.CancelledNotification);
        int slowCallsBefore = gateway.StdioLog.Entries().Count(IsSlowCall);

        Task<CallToolResult> slow = client.Client.CallToolAsync("fixture__slow", Results.Args(("seconds", 60)), cancellationToken: cts.Token).AsTask();
        await Eventually.WaitUntilAsync(() => gateway.Host.Gateway.GetOperationsInFlight().Any(o => o.TargetName == "fixture__slow"), "the slow call is in flight", cts.Token);

        // Listed from the moment it enters the seam; cancelled before a filter has allowed it, no filter would be told
        // its outcome (correctly). It is cancelled once the fixture runs it, past every filter.
        await Eventually.WaitUntilAsync(() => gateway.StdioLog.Entries().Count(IsSlowCall) > slowCallsBefore, "the fixture runs the slow call", cts.Token);
        OperationInFlight inFlight = Assert.Single(gateway.Host.Gateway.GetOperationsInFlight(), o => o.TargetName == "fixture__slow");
        Assert.Equal((OperationCategory.ToolExecution, "fixture", false), (inFlight.Category, inFlight.ServerId, inFlight.IsSuspended));

        int cancelled = gateway.Host.Services.GetRequiredService<OperationPipeline>().Registry.CancelAll("Stopped by the test (an emergency stop would say who and why).");

        Assert.True(cancelled >= 1);
        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() => slow);
        Assert.Equal((McpErrorCode)GatewayErrorCodes.OperationCancelled, refused.ErrorCode);
        Assert.Contains("Stopped by the test", refused.Message, StringComparison.Ordinal);
        SeenOutcome outcome = Assert.Single(gateway.Recorder.Outcomes, o => o.Context.TargetName == "fixture__slow");
        Assert.True(outcome.Outcome.Cancelled);
        await Eventually.WaitUntilAsync(() => gateway.StdioLog.Count(NotificationMethods.CancelledNotification) > cancelledBefore, "the fixture was sent notifications/cancelled", cts.Token);
        Assert.DoesNotContain(gateway.Host.Gateway.GetOperationsInFlight(), o => o.TargetName == "fixture__slow");
    }

    /// <summary>A 2026-07-28 client that can sample: its sampling travels as MRTR input requests.</summary>
    private static void StatelessSamplingClient(McpClientOptions options)
    {
        SamplingClient(() => { })(options);
        options.ProtocolVersion = "2026-07-28";
    }

    private static Action<McpClientOptions> SamplingClient(Action onSample) => o =>
    {
        o.Capabilities = new ClientCapabilities { Sampling = new SamplingCapability() };
        o.Handlers.SamplingHandler = (request, _, _) =>
        {
            onSample();
            string prompt = string.Concat(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(b => b.Text));
            return ValueTask.FromResult(new CreateMessageResult { Content = [new TextContentBlock { Text = "reply to " + prompt }], Model = "test-model", Role = Role.Assistant });
        };
    };

    /// <summary>How many requests of <paramref name="method"/> the stdio fixture received, the tests' probe calls not counted.</summary>
    private int DownstreamCount(string method) =>
        gateway.StdioLog.Entries().Count(e => e.GetProperty("method").GetString() == method && !e.GetRawText().Contains("probe", StringComparison.Ordinal));

    private ClientSession SessionOf(TestClient client, GatewayFront front) =>
        gateway.Host.Services.GetRequiredService<SessionRegistry>().TryGet(front == GatewayFront.Stdio ? SessionRegistry.StdioSessionId : client.Client.SessionId!, out ClientSession? session)
            ? session
            : throw new InvalidOperationException("The test client's session is not registered.");

    private static async Task InvokeAsync(McpClient client, string method, CancellationToken cancellationToken)
    {
        switch (method)
        {
            case RequestMethods.ToolsList: await client.ListToolsAsync(cancellationToken: cancellationToken); break;
            case RequestMethods.ResourcesList: await client.ListResourcesAsync(cancellationToken: cancellationToken); break;
            case RequestMethods.ResourcesTemplatesList: await client.ListResourceTemplatesAsync(cancellationToken: cancellationToken); break;
            case RequestMethods.PromptsList: await client.ListPromptsAsync(cancellationToken: cancellationToken); break;
            case RequestMethods.ToolsCall: await client.CallToolAsync("fixture__echo", Results.Args(("message", "denied")), cancellationToken: cancellationToken); break;
            case RequestMethods.ResourcesRead: await client.ReadResourceAsync(HelloUri, cancellationToken: cancellationToken); break;
            case RequestMethods.PromptsGet: await client.GetPromptAsync("fixture__greeting", new Dictionary<string, object?> { ["name"] = "bob" }, cancellationToken: cancellationToken); break;
            case RequestMethods.CompletionComplete: await client.CompleteAsync(new PromptReference { Name = "fixture__greeting" }, "name", "b", cancellationToken: cancellationToken); break;
            case RequestMethods.ResourcesSubscribe: await client.SubscribeToResourceAsync(HelloUri, cancellationToken: cancellationToken); break;
            case RequestMethods.ResourcesUnsubscribe: await client.UnsubscribeFromResourceAsync(HelloUri, cancellationToken: cancellationToken); break;
            case RequestMethods.LoggingSetLevel: await client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: cancellationToken); break;
            default: throw new ArgumentOutOfRangeException(nameof(method), method, "no client call for this method");
        }
    }

    private static bool IsSlowCall(JsonElement entry) =>
        entry.GetProperty("method").GetString() == RequestMethods.ToolsCall
        && entry.GetProperty("params").TryGetProperty("name", out JsonElement name)
        && name.GetString() == "slow";
}
