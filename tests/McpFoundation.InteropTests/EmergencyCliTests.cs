using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests;

/// <summary>
/// The emergency stop's channels that cross processes, with the real <c>mcpf</c>: <c>mcpf stop</c> from another
/// process stops a running <c>mcpf serve</c> (through the data directory's state store), a gateway started while
/// stopped (<c>mcpf serve</c> again, <c>mcpf call</c>) comes up stopped, <c>mcpf status</c> shows who and why,
/// <c>mcpf resume</c> restores service; SIGUSR1 stops <c>mcpf serve</c> without ending it.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class EmergencyCliTests
{
    private static readonly TimeSpan VerbTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task StopFromAnotherProcess_StopsTheRunningGateway_SurvivesItsRestart_AndResumeRestoresService()
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-emergency-").FullName;
        try
        {
            string config = await WriteConfigurationAsync(directory);
            await using (ChildProcess serve = await StartServeAsync(config))
            {
                using var client = await RawMcpClient.ConnectAsync(await ListeningUrlAsync(serve));
                Assert.Null((await client.CallEchoAsync("before")).ErrorCode);

                (int stopExit, string stopOut, string stopErr) = await McpfAsync("stop", "--reason", "incident 7", "--initiator", "ops-oncall", "--config", config);
                Assert.True(stopExit == 0, stopErr);
                Assert.Contains("Stopped", stopOut, StringComparison.Ordinal);

                var clock = Stopwatch.StartNew();
                (int? code, string message) = await client.CallEchoAsync("after");
                while (code is null && clock.Elapsed < TimeSpan.FromSeconds(5))
                {
                    await Task.Delay(25);
                    (code, message) = await client.CallEchoAsync("after");
                }

                Assert.Equal(-31050, code);
                Assert.Contains("by ops-oncall through cli", message, StringComparison.Ordinal);
                Assert.Contains("incident 7", message, StringComparison.Ordinal);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"The running gateway noticed the stop after {clock.Elapsed.TotalMilliseconds:F0} ms");
            }

            // Another gateway on the same data directory starts stopped: a one-shot `mcpf call`...
            (int callExit, _, string callErr) = await McpfAsync("call", "fixture__echo", "--args", """{"message":"x"}""", "--config", config);
            Assert.Equal(1, callExit);
            Assert.Contains("-31050", callErr, StringComparison.Ordinal);

            // ...and `mcpf status` says so, with who and why.
            (int statusExit, string statusOut, _) = await McpfAsync("status", "--config", config);
            Assert.Equal(3, statusExit);
            Assert.Contains("ACTIVE", statusOut, StringComparison.Ordinal);
            Assert.Contains("ops-oncall", statusOut, StringComparison.Ordinal);

            (int noReasonExit, _, string noReasonErr) = await McpfAsync("resume", "--reason", " ", "--config", config);
            Assert.Equal(2, noReasonExit);
            Assert.Contains("needs a reason", noReasonErr, StringComparison.Ordinal);

            await using (ChildProcess restarted = await StartServeAsync(config))
            {
                using var client = await RawMcpClient.ConnectAsync(await ListeningUrlAsync(restarted));
                Assert.Equal(-31050, (await client.CallEchoAsync("while stopped")).ErrorCode);

                (int resumeExit, string resumeOut, string resumeErr) = await McpfAsync("resume", "--reason", "contained", "--config", config);
                Assert.True(resumeExit == 0, resumeErr);
                Assert.Contains("Resumed", resumeOut, StringComparison.Ordinal);

                var clock = Stopwatch.StartNew();
                int? code = -31050;
                while (code is not null && clock.Elapsed < TimeSpan.FromSeconds(5))
                {
                    await Task.Delay(25);
                    code = (await client.CallEchoAsync("back")).ErrorCode;
                }

                Assert.Null(code);
            }

            (int runningExit, string runningOut, _) = await McpfAsync("status", "--config", config);
            Assert.Equal(0, runningExit);
            Assert.Contains("not active", runningOut, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Sigusr1_StopsTheGatewayWithoutEndingIt()
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-emergency-").FullName;
        try
        {
            string config = await WriteConfigurationAsync(directory);
            await using ChildProcess serve = await StartServeAsync(config);
            using var client = await RawMcpClient.ConnectAsync(await ListeningUrlAsync(serve));
            Assert.Null((await client.CallEchoAsync("before")).ErrorCode);

            using (Process signal = Process.Start("kill", ["-USR1", serve.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await signal.WaitForExitAsync();
            }

            await serve.WaitForLineAsync("EMERGENCY STOP by signal through signal", VerbTimeout);
            (int? code, string message) = await client.CallEchoAsync("after");
            Assert.Equal(-31050, code);
            Assert.Contains("SIGUSR1", message, StringComparison.Ordinal);
            Assert.False(serve.HasExited, "SIGUSR1 must stop the gateway's calls, not end its process");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> WriteConfigurationAsync(string directory)
    {
        string config = Path.Combine(directory, "gateway.json");
        var document = new Dictionary<string, object>
        {
            ["settings"] = new Dictionary<string, object> { ["data_dir"] = Path.Combine(directory, "data") },
            ["servers"] = new Dictionary<string, object>
            {
                ["fixture"] = new Dictionary<string, object> { ["command"] = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio" } },
            },
        };
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(document));
        return config;
    }

    private static async Task<ChildProcess> StartServeAsync(string config)
    {
        ChildProcess serve = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", config, "--http", "http://127.0.0.1:0"]);
        await serve.WaitForLineAsync("Server fixture is now Connected", InteropGateway.StartTimeout);
        return serve;
    }

    private static async Task<Uri> ListeningUrlAsync(ChildProcess serve) =>
        new((await serve.WaitForLineAsync(@"^mcpf: listening on (http://\S+)$", InteropGateway.StartTimeout)).Groups[1].Value);

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> McpfAsync(params string[] arguments)
    {
        await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, .. arguments]);
        int exitCode = await mcpf.WaitForExitAsync(VerbTimeout);
        return (exitCode, mcpf.StandardOutput, mcpf.StandardError);
    }

    /// <summary>A minimal Streamable HTTP client (initialize, then tools/call), so that the test depends on no SDK.</summary>
    private sealed class RawMcpClient : IDisposable
    {
        private readonly HttpClient _http;
        private readonly string _session;
        private int _id = 1;

        private RawMcpClient(HttpClient http, string session)
        {
            _http = http;
            _session = session;
        }

        public static async Task<RawMcpClient> ConnectAsync(Uri endpoint)
        {
            var http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
            using HttpResponseMessage initialized = await PostAsync(http, null, """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"emergency-test","version":"1"}}}""");
            initialized.EnsureSuccessStatusCode();
            string session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
            using HttpResponseMessage notified = await PostAsync(http, session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            return new RawMcpClient(http, session);
        }

        /// <summary>Calls fixture__echo; the JSON-RPC error code (null on success) and the error's message or the result.</summary>
        public async Task<(int? ErrorCode, string Message)> CallEchoAsync(string message)
        {
            int id = Interlocked.Increment(ref _id);
            string body = "{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(CultureInfo.InvariantCulture)
                + ",\"method\":\"tools/call\",\"params\":{\"name\":\"fixture__echo\",\"arguments\":{\"message\":" + JsonSerializer.Serialize(message) + "}}}";
            using HttpResponseMessage response = await PostAsync(_http, _session, body);
            string text = await response.Content.ReadAsStringAsync();
            string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
                ? text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Last(l => l.Contains($"\"id\":{id}", StringComparison.Ordinal))
                : text;
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("error", out JsonElement error)
                ? (error.GetProperty("code").GetInt32(), error.GetProperty("message").GetString() ?? "")
                : (null, document.RootElement.GetProperty("result").GetRawText());
        }

        public void Dispose() => _http.Dispose();

        private static Task<HttpResponseMessage> PostAsync(HttpClient http, string? session, string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, string.Empty) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (session is not null)
            {
                request.Headers.Add("Mcp-Session-Id", session);
                request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            }

            return http.SendAsync(request);
        }
    }
}
