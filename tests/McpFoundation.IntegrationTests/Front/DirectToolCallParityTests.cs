using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McpFoundation.AspNetCore.Http;
using McpFoundation.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Xunit.Abstractions;

namespace McpFoundation.IntegrationTests.Front;

/// <summary>
/// The HTTP front's own answer to a plain tools/call (DirectToolCallFilter) must be indistinguishable from the SDK's.
/// Every case is sent twice, as raw HTTP, to a gateway with the fast path on and to one with it off, each on a fresh
/// session opened by user alice: same HTTP status, same JSON-RPC error code, same JSON-RPC message. The cases the
/// fast path should answer itself are marked, and its Answered counter checks that the optimisation is not lost.
/// </summary>
[Trait("Category", "Security")]
public sealed class DirectToolCallParityTests(ParityGateways gateways, ITestOutputHelper output) : IClassFixture<ParityGateways>
{
    private const string Alice = "alice";

    public static TheoryData<string> CaseNames => [.. ParityCase.All.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task PostToolCall_SameCaseOnBothPaths_SameAnswer(string caseName)
    {
        ParityCase @case = ParityCase.All[caseName];
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        DirectToolCallFilter filter = gateways.Direct.Services.GetRequiredService<DirectToolCallFilter>();

        long before = filter.Answered;
        Answer direct = await SendAsync(gateways.Direct, @case, cts.Token);
        long answeredDirectly = filter.Answered - before;
        Answer sdk = await SendAsync(gateways.Sdk, @case, cts.Token);
        output.WriteLine($"{caseName}: HTTP {(int)sdk.Status}, code {sdk.ErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, answered by the fast path: {answeredDirectly}; {Shorten(sdk.Message?.ToJsonString())}");

        Assert.Equal(sdk.Status, direct.Status);
        Assert.Equal(sdk.ErrorCode, direct.ErrorCode);
        Assert.True(JsonNode.DeepEquals(sdk.Message, direct.Message), $"SDK: {sdk.Message?.ToJsonString()}\nfast path: {direct.Message?.ToJsonString()}");
        Assert.Equal(sdk.EchoesSessionId, direct.EchoesSessionId);
        Assert.Equal(@case.AnsweredDirectly ? 1 : 0, answeredDirectly);
        if (@case.ExpectedStatus is { } expected)
        {
            Assert.Equal(expected, sdk.Status);
        }
    }

    [Fact]
    public async Task CallTool_SdkCallToolFilterRegistered_FilterSeesTheCallAndFastPathDefers()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        DirectToolCallFilter filter = gateways.Filtered.Services.GetRequiredService<DirectToolCallFilter>();
        long before = filter.Answered;

        Answer answer = await SendAsync(gateways.Filtered, ParityCase.All["valid call"], cts.Token);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("hi", answer.Message?["result"]?["content"]?[0]?["text"]?.GetValue<string>());
        Assert.Contains("fixture__echo", gateways.FilteredCalls);
        Assert.Equal(before, filter.Answered);
    }

    [Fact]
    public void AnyApply_OnlyTheSdksOwnAuthorizationFilters_FastPathStaysOn()
    {
        McpServerOptions options = gateways.Direct.Services.GetRequiredService<IOptions<McpServerOptions>>().Value;

#pragma warning disable MCPEXP002 // the SDK's own guard lives in the experimental invocation-filter list
        Assert.NotEmpty(options.Filters.Request.CallToolWithAlternateFilters); // WithHttpTransport's guard is there
#pragma warning restore MCPEXP002
        Assert.False(SdkToolCallFilters.AnyApply(options));
    }

    [Fact]
    public void AnyApply_MessageOrInvocationFilterRegistered_DefersToSdk()
    {
        var incoming = new McpServerOptions();
        incoming.Filters.Message.IncomingFilters.Add(next => next);
        var outgoing = new McpServerOptions();
        outgoing.Filters.Message.OutgoingFilters.Add(next => next);
        var invocation = new McpServerOptions();
#pragma warning disable MCPEXP002 // a host may register invocation filters too; the fast path must see them
        invocation.Filters.Request.CallToolWithAlternateFilters.Add((context, next, ct) => next(context, ct));
#pragma warning restore MCPEXP002

        Assert.True(SdkToolCallFilters.AnyApply(incoming));
        Assert.True(SdkToolCallFilters.AnyApply(outgoing));
        Assert.True(SdkToolCallFilters.AnyApply(invocation));
    }

    private static async Task<Answer> SendAsync(GatewayHost host, ParityCase @case, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        string session = await OpenSessionAsync(http, host, cancellationToken);
        string? sessionHeader = @case.Session switch
        {
            SessionChoice.Own => session,
            SessionChoice.Unknown => "no-such-session",
            _ => null,
        };

        using HttpRequestMessage request = Request(host, @case.Body, @case.ContentType, @case.Accept, sessionHeader, @case.User, @case.Claim, @case.Issuer);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken);
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? message = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? FirstSseMessage(text) : ParseOrNull(text);
        bool echoesSession = response.Headers.TryGetValues("Mcp-Session-Id", out IEnumerable<string>? ids) && ids.Single() == session;
        return new Answer(response.StatusCode, message?["error"]?["code"]?.GetValue<int>(), message, echoesSession);
    }

    private static async Task<string> OpenSessionAsync(HttpClient http, GatewayHost host, CancellationToken cancellationToken)
    {
        const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"parity","version":"1"}}}""";
        using HttpRequestMessage initialize = Request(host, Encoding.UTF8.GetBytes(Initialize), "application/json", ParityCase.BothAccepted, null, Alice, null, null);
        using HttpResponseMessage initialized = await http.SendAsync(initialize, cancellationToken);
        initialized.EnsureSuccessStatusCode();
        string session = initialized.Headers.GetValues("Mcp-Session-Id").Single();

        using HttpRequestMessage notify = Request(host, """{"jsonrpc":"2.0","method":"notifications/initialized"}"""u8.ToArray(), "application/json", ParityCase.BothAccepted, session, Alice, null, null);
        using HttpResponseMessage notified = await http.SendAsync(notify, cancellationToken);
        notified.EnsureSuccessStatusCode();
        return session;
    }

    private static HttpRequestMessage Request(GatewayHost host, byte[] body, string? contentType, string accept, string? session, string? user, string? claim, string? issuer)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, host.McpEndpoint) { Content = content };
        request.Headers.TryAddWithoutValidation("Accept", accept);
        AddIfSet(request, "Mcp-Session-Id", session);
        AddIfSet(request, HeaderAuthenticationHandler.UserHeader, user);
        AddIfSet(request, HeaderAuthenticationHandler.ClaimHeader, claim);
        AddIfSet(request, HeaderAuthenticationHandler.IssuerHeader, issuer);
        return request;
    }

    private static void AddIfSet(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.Add(name, value);
        }
    }

    private static string Shorten(string? text) => text is null ? "(no body)" : text.Length <= 300 ? text : text[..300] + "...";

    private static JsonNode? FirstSseMessage(string stream) =>
        stream.Split('\n')
            .Where(line => line.StartsWith("data:", StringComparison.Ordinal))
            .Select(line => ParseOrNull(line["data:".Length..].Trim()))
            .FirstOrDefault(node => node is JsonObject);

    private static JsonNode? ParseOrNull(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text); // a non-JSON body is compared as text
        }
    }

    private sealed record Answer(HttpStatusCode Status, int? ErrorCode, JsonNode? Message, bool EchoesSessionId);
}

/// <summary>Which session a case's request names.</summary>
public enum SessionChoice
{
    /// <summary>The session alice just opened.</summary>
    Own,

    /// <summary>No Mcp-Session-Id header.</summary>
    None,

    /// <summary>An id the gateway never gave out.</summary>
    Unknown,
}

/// <summary>One request of the parity theory, sent on a session alice opened (nameid claim, issuer test-issuer).</summary>
internal sealed record ParityCase(byte[] Body, bool AnsweredDirectly = false)
{
    public const string BothAccepted = "application/json, text/event-stream";

    public string? ContentType { get; init; } = "application/json";

    public string Accept { get; init; } = BothAccepted;

    public SessionChoice Session { get; init; } = SessionChoice.Own;

    public string? User { get; init; } = "alice";

    public string? Claim { get; init; }

    public string? Issuer { get; init; }

    /// <summary>Gets the status the SDK must give, where the case is about a refusal.</summary>
    public HttpStatusCode? ExpectedStatus { get; init; }

    public static IReadOnlyDictionary<string, ParityCase> All { get; } = new Dictionary<string, ParityCase>(StringComparer.Ordinal)
    {
        // Plain calls the fast path answers itself.
        ["valid call"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""", answeredDirectly: true),
        ["string id"] = Json("""{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hi"}}}""", answeredDirectly: true),
        ["no arguments"] = Call("""{"name":"fixture__echo"}""", answeredDirectly: true),
        ["unknown tool"] = Call("""{"name":"nope__missing","arguments":{}}""", answeredDirectly: true),
        ["downstream error"] = Call("""{"name":"fixture__fail","arguments":{"code":-32042,"message":"boom"}}""", answeredDirectly: true),
        ["extra unknown params fields"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"},"extra":{"a":[1,2]},"more":null}""", answeredDirectly: true),
        ["repeated argument"] = Call("""{"name":"fixture__echo","arguments":{"message":"first","message":"second"}}""", answeredDirectly: true),
        ["repeated params member"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"},"name":"fixture__echo"}"""),
        ["escaped params member name"] = Call("""{"n\u0061me":"fixture__echo","arguments":{"message":"hi"}}"""),
        ["many params members"] = Call("{\"name\":\"fixture__echo\",\"arguments\":{\"message\":\"hi\"}," + string.Join(",", Enumerable.Range(0, 20).Select(i => $"\"x{i}\":{i}")) + "}"),
        ["requestState null"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"},"requestState":null}"""),
        ["large string argument"] = Call("{\"name\":\"fixture__echo\",\"arguments\":{\"message\":\"" + new string('x', 200_000) + "\"}}", answeredDirectly: true),

        // Malformed params: the SDK's answers.
        ["params missing"] = Json("""{"jsonrpc":"2.0","id":7,"method":"tools/call"}"""),
        ["params null"] = Call("null"),
        ["params array"] = Call("""[{"name":"fixture__echo"}]"""),
        ["params string"] = Call("\"fixture__echo\""),
        ["name missing"] = Call("""{"arguments":{"message":"hi"}}"""),
        ["name number"] = Call("""{"name":42}"""),
        ["name null"] = Call("""{"name":null}"""),
        ["name object"] = Call("""{"name":{"value":"fixture__echo"}}"""),
        ["name in other casing"] = Call("""{"Name":"fixture__echo","arguments":{"message":"hi"}}"""),
        ["arguments array"] = Call("""{"name":"fixture__echo","arguments":["hi"]}"""),
        ["arguments string"] = Call("""{"name":"fixture__echo","arguments":"message=hi"}"""),
        ["_meta number"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"},"_meta":5}"""),
        ["progress token"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"},"_meta":{"progressToken":"p1"}}"""),

        // Odd ids and envelopes.
        ["id missing (notification)"] = Json("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hi"}}}"""),
        ["id null"] = Json("""{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"fixture__echo"}}"""),
        ["id true"] = Json("""{"jsonrpc":"2.0","id":true,"method":"tools/call","params":{"name":"fixture__echo"}}"""),
        ["id object"] = Json("""{"jsonrpc":"2.0","id":{"n":1},"method":"tools/call","params":{"name":"fixture__echo"}}"""),
        ["id fraction"] = Json("""{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"fixture__echo"}}"""),
        ["jsonrpc 1.0"] = Json("""{"jsonrpc":"1.0","id":7,"method":"tools/call","params":{"name":"fixture__echo"}}"""),
        ["method number"] = Json("""{"jsonrpc":"2.0","id":7,"method":5,"params":{"name":"fixture__echo"},"note":"tools/call"}"""),
        ["extra top-level field"] = Json("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hi"}},"extra":1}""", answeredDirectly: true),
        ["members in reverse order"] = Json("""{"params":{"arguments":{"message":"hi"},"name":"fixture__echo"},"method":"tools/call","id":7,"jsonrpc":"2.0"}""", answeredDirectly: true),
        ["result member on a request"] = Json("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hi"}},"result":{}}"""),
        ["batch"] = Json("""[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fixture__echo"}}]"""),

        // Hostile bodies. Invalid UTF-8 inside a string value parses on both paths alike (System.Text.Json checks a
        // string's UTF-8 only when it is read as text), so the fast path may answer it: the parity check is what counts.
        ["trailing garbage"] = Json("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hi"}}} trailing"""),
        ["two messages"] = Json("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fixture__echo"}}{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"fixture__echo"}}"""),
        ["deep nesting"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi","deep":""" + new string('[', 200) + new string(']', 200) + "}}"),
        ["huge string over the fast path's limit"] = Call("{\"name\":\"fixture__echo\",\"arguments\":{\"message\":\"" + new string('y', 1_200_000) + "\"}}"),
        ["invalid utf-8"] = new([.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"fixture__echo\",\"arguments\":{\"message\":\""), 0xC3, 0x28, 0xFF, .. "\"}}}"u8], AnsweredDirectly: false), // refused by FrameGuard (-32700) before either path
        ["byte order mark"] = new([0xEF, 0xBB, 0xBF, .. """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fixture__echo","arguments":{"message":"hi"}}}"""u8]),
        ["not json"] = Json("tools/call please"),
        ["empty body"] = Json(string.Empty),
        ["text/plain content type"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { ContentType = "text/plain" },
        ["utf-16 charset"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { ContentType = "application/json; charset=utf-16" },
        ["accepts json only"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { Accept = "application/json", ExpectedStatus = HttpStatusCode.NotAcceptable },

        // Sessions and their owners.
        ["unknown session"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { Session = SessionChoice.Unknown, ExpectedStatus = HttpStatusCode.NotFound },
        ["no session header"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { Session = SessionChoice.None, ExpectedStatus = HttpStatusCode.BadRequest },
        ["another user"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { User = "bob", ExpectedStatus = HttpStatusCode.Forbidden },
        ["anonymous on alice's session"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { User = null, ExpectedStatus = HttpStatusCode.Forbidden },
        ["same name, other issuer"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { Issuer = "other-issuer", ExpectedStatus = HttpStatusCode.Forbidden },
        ["same name as sub claim"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { Claim = "sub", ExpectedStatus = HttpStatusCode.Forbidden },
        ["authenticated without id claim"] = Call("""{"name":"fixture__echo","arguments":{"message":"hi"}}""") with { Claim = "none", ExpectedStatus = HttpStatusCode.Forbidden },
    };

    private static ParityCase Call(string parameters, bool answeredDirectly = false) =>
        Json($$"""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{parameters}}}""", answeredDirectly);

    private static ParityCase Json(string body, bool answeredDirectly = false) => new(Encoding.UTF8.GetBytes(body), answeredDirectly);
}

/// <summary>
/// Three gateways in front of the fixture server, all with header authentication: the fast path on (Direct), off
/// (Sdk), and on but with an SDK call-tool filter registered on McpServerOptions (Filtered), which records the calls it sees.
/// </summary>
public sealed class ParityGateways : IAsyncLifetime
{
    private GatewayHost? _direct;
    private GatewayHost? _sdk;
    private GatewayHost? _filtered;

    internal GatewayHost Direct => _direct ?? throw new InvalidOperationException("The gateway is not started.");

    internal GatewayHost Sdk => _sdk ?? throw new InvalidOperationException("The gateway is not started.");

    internal GatewayHost Filtered => _filtered ?? throw new InvalidOperationException("The gateway is not started.");

    internal ConcurrentQueue<string> FilteredCalls { get; } = new();

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        Task<GatewayHost> direct = StartAsync(directToolCalls: true, HeaderAuthenticationHandler.AddTo, cts.Token);
        Task<GatewayHost> sdk = StartAsync(directToolCalls: false, HeaderAuthenticationHandler.AddTo, cts.Token);
        Task<GatewayHost> filtered = StartAsync(directToolCalls: true, services =>
        {
            HeaderAuthenticationHandler.AddTo(services);
            services.AddMcpServer().WithRequestFilters(filters => filters.AddCallToolFilter(next => (context, cancellationToken) =>
            {
                FilteredCalls.Enqueue(context.Params?.Name ?? "(none)");
                return next(context, cancellationToken);
            }));
        }, cts.Token);
        try
        {
            await Task.WhenAll(direct, sdk, filtered);
        }
        finally
        {
            _direct = direct.IsCompletedSuccessfully ? direct.Result : null;
            _sdk = sdk.IsCompletedSuccessfully ? sdk.Result : null;
            _filtered = filtered.IsCompletedSuccessfully ? filtered.Result : null;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (GatewayHost? host in new[] { _direct, _sdk, _filtered })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static Task<GatewayHost> StartAsync(bool directToolCalls, Action<IServiceCollection> services, CancellationToken cancellationToken) =>
        GatewayHost.StartAsync(TestServers.Configuration(TestServers.Fixture("fixture")), cancellationToken, o => o.DirectToolCalls = directToolCalls, services);
}
