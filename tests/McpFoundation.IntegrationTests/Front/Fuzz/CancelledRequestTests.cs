using System.Net;
using System.Text;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>
/// The cause of the long fuzz run's one HTTP timeout per 500,000 frames, measured (replay of seed 1543957113 with the
/// session's frames logged): the 4 workers shared one session, and one worker's fuzzed <c>notifications/cancelled</c>
/// named the id of another worker's <c>tools/call</c> while it was in flight. The gateway cancels that call (downstream
/// too) and, as the specification says of a cancelled request, sends no answer: the POST stays open until its client
/// gives up. The harness was wrong, not the gateway; each worker now has a session of its own.
/// </summary>
[Trait("Category", "Security")]
public sealed class CancelledRequestTests(FixtureGateway gateway) : IClassFixture<FixtureGateway>, IDisposable
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cancel","version":"1"}}}""";

    private const string SlowCall = """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fixture__slow","arguments":{"seconds":SECONDS}}}""";

    private const string CancelThree = """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"x"}}""";

    /// <summary>How long a cancelled request is watched for an answer it must not get.</summary>
    private static readonly TimeSpan Unanswered = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task PostMcp_CancelledByAnotherPostOfTheSameSession_GetsNoAnswer()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string session = await OpenSessionAsync(cts.Token);
        int started = Events("started ");
        int cancelled = Events("cancelled ");
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);

        Task<string> answer = PostAsync(session, SlowCall.Replace("SECONDS", "30", StringComparison.Ordinal), call.Token);
        await Eventually.WaitUntilAsync(() => Events("started ") > started, "the call reaches the fixture", cts.Token);
        string accepted = await PostAsync(session, CancelThree, cts.Token);
        await Eventually.WaitUntilAsync(() => Events("cancelled ") > cancelled, "the cancellation reaches the fixture", cts.Token);

        // The call was cancelled downstream; the cancelled request gets no answer (a bounded look: it must not come).
        Task first = await Task.WhenAny(answer, Task.Delay(Unanswered, cts.Token));
        Assert.Equal("", accepted); // 202 Accepted, no body
        Assert.NotSame(answer, first);
        await call.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer);
        await CloseSessionAsync(session, cts.Token);
    }

    [Fact]
    public async Task PostMcp_CancellationFromAnotherSession_DoesNotCancel()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string caller = await OpenSessionAsync(cts.Token);
        string other = await OpenSessionAsync(cts.Token);
        int started = Events("started ");

        Task<string> answer = PostAsync(caller, SlowCall.Replace("SECONDS", "1", StringComparison.Ordinal), cts.Token);
        await Eventually.WaitUntilAsync(() => Events("started ") > started, "the call reaches the fixture", cts.Token);
        await PostAsync(other, CancelThree, cts.Token);

        Assert.Contains("finished", await answer, StringComparison.Ordinal);
        await CloseSessionAsync(caller, cts.Token);
        await CloseSessionAsync(other, cts.Token);
    }

    public void Dispose() => _http.Dispose();

    private int Events(string prefix) =>
        File.Exists(gateway.EventsFile) ? File.ReadAllLines(gateway.EventsFile).Count(l => l.StartsWith(prefix, StringComparison.Ordinal)) : 0;

    private async Task<string> OpenSessionAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        string session = response.Headers.GetValues("Mcp-Session-Id").Single();
        await PostAsync(session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", cancellationToken);
        return session;
    }

    private async Task<string> PostAsync(string session, string frame, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(frame, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"HTTP {(int)response.StatusCode} {body}");
        return body;
    }

    private async Task CloseSessionAsync(string session, CancellationToken cancellationToken)
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, gateway.Host.McpEndpoint);
        delete.Headers.Add("Mcp-Session-Id", session);
        using HttpResponseMessage deleted = await _http.SendAsync(delete, cancellationToken);
    }
}
