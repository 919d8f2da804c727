using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using McpFoundation.Front;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>
/// Found by the fuzzer: a tools/call whose name is null, a number or missing reached the tool lookup (an exception, or
/// the SDK's -32603 "An error occurred."). After initialize, both fronts answer -32602 with a message naming params.name.
/// </summary>
[Trait("Category", "Security")]
public sealed class ToolCallNameTests(FrontGateway gateway) : IClassFixture<FrontGateway>
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    public static TheoryData<string, string> Calls => new()
    {
        { "null name", """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":null,"arguments":{}}}""" },
        { "number name", """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":42,"arguments":{}}}""" },
        { "missing name", """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"arguments":{}}}""" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Stdio_ToolsCallWithBadName_InvalidParamsNamingTheMember(string name, string frame)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        var toGateway = new Pipe();
        var fromGateway = new Pipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        Task serving = Task.Run(() => StdioFront.RunAsync(gateway.Host.Services, toGateway.Reader.AsStream(), fromGateway.Writer.AsStream(), stop.Token), CancellationToken.None);
        try
        {
            await toGateway.Writer.WriteAsync(Encoding.UTF8.GetBytes(Initialize + "\n"), cts.Token);
            Assert.Contains("\"result\"", await ReadLineAsync(fromGateway.Reader, cts.Token), StringComparison.Ordinal);
            await toGateway.Writer.WriteAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"notifications/initialized"}""" + "\n" + frame + "\n"), cts.Token);

            string line = await ReadLineAsync(fromGateway.Reader, cts.Token);
            AssertInvalidParamsNamingName(name, line);
        }
        finally
        {
            await toGateway.Writer.CompleteAsync();
            await stop.CancelAsync();
            await serving.WaitAsync(TestTimeouts.Default, CancellationToken.None);
        }
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Http_ToolsCallWithBadName_InvalidParamsNamingTheMember(string name, string frame)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string session = await PostAsync(Initialize, null, cts.Token) is (_, _, { } id) ? id : throw new InvalidOperationException("no session");
        await PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", session, cts.Token);

        (int status, string body, _) = await PostAsync(frame, session, cts.Token);

        Assert.True(status is >= 200 and < 500, $"{name}: HTTP {status}");
        int data = body.IndexOf("data:", StringComparison.Ordinal);
        AssertInvalidParamsNamingName(name, data >= 0 ? body[(data + 5)..].Split('\n')[0] : body);
    }

    private static void AssertInvalidParamsNamingName(string name, string line)
    {
        using JsonDocument answer = JsonDocument.Parse(line);
        JsonElement error = answer.RootElement.GetProperty("error");
        Assert.True(error.GetProperty("code").GetInt32() == -32602, $"{name}: {line}");
        Assert.True(error.GetProperty("message").GetString()!.Contains("name", StringComparison.Ordinal), $"{name}: {line}");
        Assert.Equal(9, answer.RootElement.GetProperty("id").GetInt32());
    }

    private async Task<(int Status, string Body, string? Session)> PostAsync(string body, string? session, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Host.McpEndpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        using HttpResponseMessage response = await gateway.Http.SendAsync(request, cancellationToken);
        string? id = response.Headers.TryGetValues("Mcp-Session-Id", out IEnumerable<string>? ids) ? ids.First() : null;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), id);
    }

    private static async Task<string> ReadLineAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.PositionOf((byte)'\n') is { } end)
            {
                string line = Encoding.UTF8.GetString(read.Buffer.Slice(0, end));
                reader.AdvanceTo(read.Buffer.GetPosition(1, end));
                return line;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (read.IsCompleted)
            {
                throw new InvalidOperationException("The stdio front closed its output.");
            }
        }
    }
}
