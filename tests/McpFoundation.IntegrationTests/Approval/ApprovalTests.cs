using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Security.Approval;
using McpFoundation.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Approval;

/// <summary>
/// A policy <c>ask</c> through the real gateway, with real SDK clients that answer elicitation, in both eras: session
/// clients (2025-11-25 over HTTP and stdio) get <c>elicitation/create</c>; stateless 2026-07-28 clients get an
/// input-required result and retry. The fixture's request log shows what reached the server.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApprovalTests(ApprovalGateway gateway) : IClassFixture<ApprovalGateway>
{
    private const string StatelessRevision = "2026-07-28";

    public static TheoryData<GatewayFront, string?> Eras() => new()
    {
        { GatewayFront.Http, null },
        { GatewayFront.Stdio, null },
        { GatewayFront.Http, StatelessRevision },
    };

    [Theory]
    [MemberData(nameof(Eras))]
    public async Task Approved_ForwardedOnceWithExactlyThoseArguments(GatewayFront front, string? revision)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("approve");
        var asked = new List<ElicitRequestParams>();
        await using TestClient client = await ConnectAsync(front, revision, request =>
        {
            asked.Add(request);
            return Answer("accept", ApprovalPrompt.Approve);
        }, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync(AskForEchoFilter.Tool, Results.Args(("message", message)), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Contains(message, result.Text(), StringComparison.Ordinal);
        Assert.Equal(1, gateway.EchoCalls(message));
        ElicitRequestParams prompt = Assert.Single(asked);
        Assert.Contains("Tool: fixture__echo", prompt.Message, StringComparison.Ordinal);
        Assert.Contains("Server: fixture", prompt.Message, StringComparison.Ordinal);
        Assert.Contains("Asked by rule: " + AskForEchoFilter.Rule, prompt.Message, StringComparison.Ordinal);
        Assert.Contains("Arguments: {\"message\":\"" + message + "\"}", prompt.Message, StringComparison.Ordinal);
        Assert.Equal([ApprovalPrompt.DecisionField], prompt.RequestedSchema?.Required);
    }

    [Theory]
    [MemberData(nameof(Eras))]
    public async Task Refused_ApprovalRefusedAndTheServerReceivedNothing(GatewayFront front, string? revision)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("refuse");
        await using TestClient client = await ConnectAsync(front, revision, _ => Answer("accept", ApprovalPrompt.Refuse), cts.Token);

        McpProtocolException refused = await CallAsync(client, message, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalRefused, refused.ErrorCode);
        Assert.Contains("you refused it", refused.Message, StringComparison.Ordinal);
        Assert.Contains(AskForEchoFilter.Rule, refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
    }

    [Theory]
    [MemberData(nameof(Eras))]
    public async Task Declined_ApprovalRefusedAndTheServerReceivedNothing(GatewayFront front, string? revision)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("decline");
        await using TestClient client = await ConnectAsync(front, revision, _ => ValueTask.FromResult(new ElicitResult { Action = "decline" }), cts.Token);

        McpProtocolException refused = await CallAsync(client, message, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalRefused, refused.ErrorCode);
        Assert.Contains("declined", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
    }

    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task SessionClientDoesNotAnswerInTime_ApprovalRefusedAsTimedOut(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("slow");
        bool cancelledByGateway = false;
        await using TestClient client = await ConnectAsync(front, null, null, async ct =>
        {
            // The user never answers: the gateway's clock runs past approval.timeout while the request is open.
            gateway.Clock.Advance(ApprovalTimeout + TimeSpan.FromSeconds(1));
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                cancelledByGateway = true;
                throw;
            }

            return new ElicitResult { Action = "cancel" };
        }, cts.Token);

        McpProtocolException refused = await CallAsync(client, message, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalRefused, refused.ErrorCode);
        Assert.Contains("approval timed out after 120 s", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
        await Eventually.WaitUntilAsync(() => cancelledByGateway, "the client was told the request was cancelled", cts.Token);
    }

    [Fact]
    public async Task StatelessClientAnswersAfterTheStateExpired_ApprovalRefusedAsTimedOut()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("late");
        await using TestClient client = await ConnectAsync(GatewayFront.Http, StatelessRevision, _ =>
        {
            gateway.Clock.Advance(ApprovalTimeout + TimeSpan.FromSeconds(1));
            return Answer("accept", ApprovalPrompt.Approve);
        }, cts.Token);

        McpProtocolException refused = await CallAsync(client, message, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalRefused, refused.ErrorCode);
        Assert.Contains("approval timed out after 120 s", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
    }

    [Fact]
    public async Task StatelessRetryWithOtherArgumentsAndTheOldState_RefusedAsArgumentsChanged()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string approved = Unique("shown");
        string swapped = Unique("swapped");
        await using TestClient client = await ConnectAsync(GatewayFront.Http, StatelessRevision, _ => Answer("accept", ApprovalPrompt.Approve), cts.Token);
        client.Wire.RewriteSent = m => RewriteApprovalRetry(m, p => p["arguments"] = new JsonObject { ["message"] = swapped });

        McpProtocolException refused = await CallAsync(client, approved, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalRefused, refused.ErrorCode);
        Assert.Contains("the arguments changed after approval", refused.Message, StringComparison.Ordinal);
        Assert.True(client.Wire.Sent().OfType<JsonRpcRequest>().Any(r => r.Params?["arguments"]?["message"]?.GetValue<string>() == swapped), "the retry carried other arguments");
        Assert.Equal(0, gateway.EchoCallsMentioning(approved));
        Assert.Equal(0, gateway.EchoCallsMentioning(swapped));
    }

    [Fact]
    public async Task StatelessRetryWithATamperedState_Refused()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("tampered");
        await using TestClient client = await ConnectAsync(GatewayFront.Http, StatelessRevision, _ => Answer("accept", ApprovalPrompt.Approve), cts.Token);
        client.Wire.RewriteSent = m => RewriteApprovalRetry(m, p =>
        {
            string state = p["requestState"]!.GetValue<string>();
            p["requestState"] = state[..^2] + (state[^2] == 'A' ? 'B' : 'A') + state[^1];
        });

        McpProtocolException refused = await CallAsync(client, message, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalRefused, refused.ErrorCode);
        Assert.Contains("not issued by this gateway", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
    }

    [Theory]
    [MemberData(nameof(Eras))]
    public async Task ClientWithoutElicitation_ApprovalUnavailable(GatewayFront front, string? revision)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("unable");
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token, o => o.ProtocolVersion = revision ?? GatewayHost.ClientProtocolVersion);

        McpProtocolException refused = await CallAsync(client, message, cts.Token);

        Assert.Equal((McpErrorCode)GatewayErrorCodes.ApprovalUnavailable, refused.ErrorCode);
        Assert.Contains("needs approval (rule confirm-echo) but the client cannot be asked: it did not declare the elicitation capability", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
    }

    [Fact]
    public async Task LibraryCall_ApprovalUnavailable()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("library");

        ToolCallOutcome outcome = await gateway.Host.Services.GetRequiredService<ToolRegistry>().ExecuteToolAsync(
            AskForEchoFilter.Tool, new Dictionary<string, JsonElement> { ["message"] = JsonSerializer.SerializeToElement(message) }, "alice", cts.Token);

        Assert.Equal(GatewayErrorCodes.ApprovalUnavailable, outcome.ErrorCode);
        Assert.Contains("library API", outcome.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, gateway.EchoCallsMentioning(message));
    }

    [Fact]
    public async Task OtherTools_NotAsked()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        int asked = 0;
        await using TestClient client = await ConnectAsync(GatewayFront.Http, StatelessRevision, _ =>
        {
            Interlocked.Increment(ref asked);
            return Answer("accept", ApprovalPrompt.Refuse);
        }, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync("fixture__add", Results.Args(("a", 2), ("b", 3)), cancellationToken: cts.Token);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(0, asked);
    }

    [Theory]
    [InlineData(ApprovalPrompt.Approve, 0)]
    [InlineData(ApprovalPrompt.Refuse, 3)]
    public async Task TypeScriptSdkClient_AnswersTheElicitation(string choice, int expectedExit)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string message = Unique("ts-" + choice);

        (int exit, JsonElement output) = await RunTsClientAsync(
            ["--tool", AskForEchoFilter.Tool, "--args", "{\"message\":\"" + message + "\"}", "--elicit-accept", "{\"decision\":\"" + choice + "\"}", gateway.Host.McpEndpoint.ToString()],
            cts.Token);

        Assert.Equal(expectedExit, exit);
        Assert.Equal("elicitation/create", Assert.Single(output.GetProperty("serverRequests").EnumerateArray()).GetProperty("method").GetString());
        if (choice == ApprovalPrompt.Approve)
        {
            Assert.Contains(message, output.GetProperty("call").GetProperty("result").GetRawText(), StringComparison.Ordinal);
            Assert.Equal(1, gateway.EchoCalls(message));
        }
        else
        {
            Assert.Equal(GatewayErrorCodes.ApprovalRefused, output.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal(0, gateway.EchoCallsMentioning(message));
        }
    }

    private static TimeSpan ApprovalTimeout => TimeSpan.FromSeconds(ApprovalSettings.DefaultTimeoutSeconds);

    private static string Unique(string what) => what + "-" + Guid.NewGuid().ToString("N")[..12];

    private static ValueTask<ElicitResult> Answer(string action, string decision) => ValueTask.FromResult(new ElicitResult
    {
        Action = action,
        Content = new Dictionary<string, JsonElement> { [ApprovalPrompt.DecisionField] = JsonSerializer.SerializeToElement(decision) },
    });

    private static async Task<McpProtocolException> CallAsync(TestClient client, string message, CancellationToken cancellationToken) =>
        await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.Client.CallToolAsync(AskForEchoFilter.Tool, Results.Args(("message", message)), cancellationToken: cancellationToken).AsTask());

    /// <summary>Changes the params of a stateless client's retry of an approval (its tools/call with the gateway's approval state).</summary>
    private static JsonRpcMessage RewriteApprovalRetry(JsonRpcMessage message, Action<JsonObject> change)
    {
        if (message is JsonRpcRequest { Method: RequestMethods.ToolsCall, Params: JsonObject parameters } request
            && ApprovalStateToken.IsApprovalState(parameters["requestState"]?.GetValue<string>()))
        {
            var changed = (JsonObject)parameters.DeepClone();
            change(changed);
            return new JsonRpcRequest { Id = request.Id, Method = request.Method, Params = changed };
        }

        return message;
    }

    private Task<TestClient> ConnectAsync(GatewayFront front, string? revision, Func<ElicitRequestParams, ValueTask<ElicitResult>> handler, CancellationToken cancellationToken) =>
        ConnectAsync(front, revision, handler, null, cancellationToken);

    private Task<TestClient> ConnectAsync(
        GatewayFront front,
        string? revision,
        Func<ElicitRequestParams, ValueTask<ElicitResult>>? handler,
        Func<CancellationToken, Task<ElicitResult>>? slowHandler,
        CancellationToken cancellationToken) =>
        gateway.Host.ConnectAsync(front, cancellationToken, o =>
        {
            o.ProtocolVersion = revision ?? GatewayHost.ClientProtocolVersion;
            o.Capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Form = new FormElicitationCapability() } };
            o.Handlers.ElicitationHandler = (request, ct) => slowHandler is not null ? new ValueTask<ElicitResult>(slowHandler(ct)) : handler!(request!);
        });

    private static async Task<(int Exit, JsonElement Output)> RunTsClientAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(NpmTools.Node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(NpmTools.Directory, "ts-client.mjs"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        string stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        string last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException("ts-client printed nothing; stderr: " + await stderr);
        return (process.ExitCode, JsonDocument.Parse(last).RootElement.Clone());
    }
}
