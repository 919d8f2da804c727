using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFoundation.InteropTests.Infrastructure;

namespace McpFoundation.InteropTests.Audit;

/// <summary>
/// Issue 10 point 4 with the real processes: 16 clients call the fixture through <c>mcpf serve --http</c>, the
/// gateway is SIGKILLed mid-load, and before any restart <c>mcpf audit export</c> holds a started record for every
/// call the fixture's request log says it received, and <c>mcpf audit verify</c> passes; after a restart on the same
/// data directory the calls that never finished are shown as unfinished.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AuditCrashTests
{
    private const int Clients = 16;

    [Fact]
    public async Task SigkillUnderLoad_EveryCallTheServerReceivedIsInTheTrail_VerifyPasses_AndUnfinishedCallsAreShownAfterRestart()
    {
        string directory = Directory.CreateTempSubdirectory("mcpf-audit-crash-").FullName;
        string dataDir = Path.Combine(directory, "data");
        string requestLog = Path.Combine(directory, "requests.jsonl");
        string config = Path.Combine(directory, "gateway.json");
        var environment = new Dictionary<string, string> { ["MCPF_DATA_DIR"] = dataDir };
        try
        {
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["servers"] = new Dictionary<string, object>
                {
                    ["fixture"] = new Dictionary<string, object>
                    {
                        ["transport"] = "stdio",
                        ["command"] = new[] { "dotnet", InteropPaths.FixtureDll, "--stdio" },
                        ["env"] = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = requestLog },
                    },
                },
            }));

            await using ChildProcess gateway = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", config, "--http", "http://127.0.0.1:0"], environment);
            Uri endpoint = new((await gateway.WaitForLineAsync(@"^mcpf: listening on (http://\S+)$", InteropGateway.StartTimeout)).Groups[1].Value);
            await gateway.WaitForLineAsync("Server fixture is now Connected", InteropGateway.StartTimeout);
            int[] serverChildren = ChildrenOf(gateway.Id);

            using var load = new CancellationTokenSource();
            var clients = new List<LeanClient>();
            for (int c = 0; c < Clients; c++)
            {
                clients.Add(await LeanClient.ConnectAsync(endpoint, load.Token));
            }

            long completed = 0;
            Task[] callers = [.. clients.Select((client, c) => Task.Run(async () =>
            {
                // Every call's arguments are unique (the client and the call spelled in letters). One long call per client is sure to be in flight at the kill: it must come out as unfinished.
                Task slow = client.CallAsync("fixture__slow", $"{{\"seconds\":{60 + c}}}", CancellationToken.None);
                _ = slow.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                for (int n = 0; !load.IsCancellationRequested; n++)
                {
                    try
                    {
                        await client.CallAsync("fixture__echo", JsonSerializer.Serialize(new { message = $"crash client {Letters(c)} call {Letters(n)}" }), load.Token);
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception) when (load.IsCancellationRequested || gateway.HasExited)
                    {
                        return;
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            }))];

            // Mid-load: enough calls done that the writer is busy, then SIGKILL the gateway alone.
            var waited = Stopwatch.StartNew();
            while (Interlocked.Read(ref completed) < 300 && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            Assert.True(Interlocked.Read(ref completed) >= 300, $"the load did not get going: {completed} calls in 60 s.\n{gateway.StandardError}");
            gateway.KillProcessOnly();
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await load.CancelAsync();
            await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));
            foreach (LeanClient client in clients)
            {
                client.Dispose();
            }

            // Its stdio server sees its stdin close; it may still be running the slow calls, so reap it: nothing outlives the test.
            await ReapAsync(serverChildren);

            // The killed gateway's journal stays behind (it holds the started records its last commits did not reach).
            string journals = Path.Combine(dataDir, "audit-journal");
            string[] deadJournals = Directory.GetFiles(journals);
            Assert.Single(deadJournals);

            // Before any restart: every call the fixture received has a record with its arguments (its started record,
            // or its finished one when the call ended before the started record's commit), and the trail verifies.
            List<JsonElement> received = [.. ReadLines(requestLog).Where(e => e.GetProperty("method").GetString() == "tools/call")];
            Assert.True(received.Count >= 300, $"the fixture logged only {received.Count} tools/call");
            List<JsonElement> records = await ExportAsync(dataDir);
            var recordedArguments = records.Where(r => Text(r, "arguments") is not null)
                .Select(r => Canonical(Text(r, "arguments"))).ToHashSet(StringComparer.Ordinal);
            var missing = received.Select(e => Canonical(e.GetProperty("params").GetProperty("arguments").GetRawText()))
                .Where(call => !recordedArguments.Contains(call)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {received.Count} calls the fixture received have no record, e.g. {string.Join("; ", missing.Take(3))}");

            (int verifyExit, string verifyOutput) = await RunMcpfAsync(["audit", "verify", "--data-dir", dataDir]);
            Assert.True(verifyExit == 0, $"mcpf audit verify exited {verifyExit} after the crash:\n{verifyOutput}");

            var finishedIds = records.Where(r => Text(r, "outcome") is not "started").Select(r => Text(r, "correlation_id")).ToHashSet(StringComparer.Ordinal);
            var cutOff = records.Where(r => Text(r, "outcome") == "started" && !finishedIds.Contains(Text(r, "correlation_id"))).Select(r => Text(r, "correlation_id")).ToList();
            Assert.True(cutOff.Count >= Clients, $"the {Clients} slow calls (and any echo in flight) must be started without a finished record; found {cutOff.Count}");

            // Restart on the same data directory: each cut-off call gets a finished record with outcome unfinished.
            await using (ChildProcess restarted = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, "serve", "--config", config, "--http", "http://127.0.0.1:0"], environment))
            {
                await restarted.WaitForLineAsync(@"calls were started but never finished", InteropGateway.StartTimeout);
                List<JsonElement> after = await ExportAsync(dataDir);
                var unfinished = after.Where(r => Text(r, "outcome") == "unfinished").Select(r => Text(r, "correlation_id")).ToHashSet(StringComparer.Ordinal);
                Assert.All(cutOff, id => Assert.Contains(id, unfinished));
                Assert.Equal(cutOff.Count, unfinished.Count);
                Assert.All(after.Where(r => Text(r, "outcome") == "started"), r => Assert.True(r.GetProperty("sequence").GetInt64() > 0, "every started record is in the chain after the restart"));
                Assert.DoesNotContain(deadJournals[0], Directory.GetFiles(journals)); // recovered, then removed
            }

            (verifyExit, verifyOutput) = await RunMcpfAsync(["audit", "verify", "--data-dir", dataDir]);
            Assert.True(verifyExit == 0, $"mcpf audit verify exited {verifyExit} after the restart:\n{verifyOutput}");
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory.
            }
        }
    }

    /// <summary>Digits spelled as letters, so that no redaction detector (phone numbers) touches the arguments.</summary>
    private static string Letters(int value) => string.Concat(value.ToString(CultureInfo.InvariantCulture).Select(d => (char)('a' + (d - '0'))));

    private static string? Text(JsonElement record, string name) =>
        record.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Canonical(string? json) =>
        json is null ? "" : JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Value.GetRawText()));

    private static IEnumerable<JsonElement> ReadLines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()) : [];

    private static async Task<List<JsonElement>> ExportAsync(string dataDir)
    {
        (int exit, string output) = await RunMcpfAsync(["audit", "export", "--format", "jsonl", "--data-dir", dataDir]);
        Assert.True(exit == 0, $"mcpf audit export exited {exit}:\n{output}");
        return [.. output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private static async Task<(int Exit, string Output)> RunMcpfAsync(IEnumerable<string> arguments)
    {
        await using ChildProcess mcpf = ChildProcess.Start("dotnet", [InteropPaths.McpfDll, .. arguments]);
        int exit = await mcpf.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, mcpf.StandardOutput + mcpf.StandardError);
    }

    private static int[] ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string file = Path.Combine(task, "children");
            if (File.Exists(file))
            {
                children.AddRange(File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)));
            }
        }

        Assert.NotEmpty(children);
        return [.. children];
    }

    private static async Task ReapAsync(int[] pids)
    {
        var waited = Stopwatch.StartNew();
        while (pids.Any(Alive) && waited.Elapsed < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(100);
        }

        foreach (int pid in pids.Where(Alive))
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Gone meanwhile.
            }
        }

        waited.Restart();
        while (pids.Any(Alive) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }

        Assert.False(pids.Any(Alive), $"the stdio server ({string.Join(", ", pids)}) could not be reaped after its gateway was SIGKILLed");
    }

    private static bool Alive(int pid)
    {
        // A zombie (reparented, not yet reaped) counts as dead: it runs nothing.
        string stat = $"/proc/{pid}/stat";
        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].Split(' ')[0] != "Z";
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>A minimal Streamable HTTP client: initialize, notifications/initialized, then tools/call (several may be in flight).</summary>
    private sealed class LeanClient : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 4 }) { Timeout = TimeSpan.FromSeconds(120) };
        private readonly Uri _endpoint;
        private string? _session;
        private long _id;

        private LeanClient(Uri endpoint) => _endpoint = endpoint;

        public static async Task<LeanClient> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
        {
            var client = new LeanClient(endpoint);
            using (HttpResponseMessage response = await client.PostAsync("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"crash-test","version":"1.0.0"}}}""", cancellationToken))
            {
                string body = await response.Content.ReadAsStringAsync(cancellationToken);
                Assert.True(response.IsSuccessStatusCode, $"initialize answered {(int)response.StatusCode}: {body}");
                client._session = response.Headers.GetValues("Mcp-Session-Id").First();
            }

            using (HttpResponseMessage response = await client.PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", cancellationToken))
            {
                Assert.True(response.IsSuccessStatusCode, $"notifications/initialized answered {(int)response.StatusCode}");
            }

            return client;
        }

        public async Task CallAsync(string tool, string argumentsJson, CancellationToken cancellationToken)
        {
            long id = Interlocked.Increment(ref _id);
            using HttpResponseMessage response = await PostAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"tools/call\",\"params\":{{\"name\":\"{tool}\",\"arguments\":{argumentsJson}}}}}", cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode || !body.Contains("\"result\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"tools/call {tool} answered {(int)response.StatusCode}: {body}");
            }
        }

        public void Dispose() => _http.Dispose();

        private Task<HttpResponseMessage> PostAsync(string json, CancellationToken cancellationToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(json, Encoding.UTF8), Version = HttpVersion.Version11 };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (_session is not null)
            {
                request.Headers.TryAddWithoutValidation("Mcp-Session-Id", _session);
                request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
            }

            return _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
    }
}
