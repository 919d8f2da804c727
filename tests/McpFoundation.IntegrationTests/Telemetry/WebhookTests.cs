using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Text;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Results = McpFoundation.IntegrationTests.Infrastructure.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpFoundation.IntegrationTests.Telemetry;

/// <summary>The event webhook against a real loopback HTTP listener: signed bodies, a failed first attempt retried, a full queue dropping without blocking.</summary>
[Trait("Category", "Integration")]
public sealed class WebhookTests : IAsyncLifetime
{
    private const string Secret = "a-webhook-secret-of-some-length";
    private readonly ConcurrentQueue<Received> _received = new();
    private int _attempts;
    private int _failFirst = 1;
    private WebApplication? _listener;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _listener = builder.Build();
        _listener.MapPost("/hook", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            int attempt = Interlocked.Increment(ref _attempts);
            if (attempt <= Volatile.Read(ref _failFirst))
            {
                return Microsoft.AspNetCore.Http.Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            _received.Enqueue(new Received(buffer.ToArray(), http.Request.Headers[WebhookEventSink.SignatureHeader].ToString(), http.Request.Headers[WebhookEventSink.EventHeader].ToString()));
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await _listener.StartAsync();
        string address = _listener.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _url = new Uri(address.TrimEnd('/') + "/hook");
    }

    public async Task DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }
    }

    [Fact]
    public async Task ToolExecutedAndSecurityViolation_ThroughTheGateway_ArePostedSignedAfterAFailedFirstAttempt()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string secretFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(secretFile, Secret + "\n", cts.Token);
        try
        {
            ConfigurationLoadResult parsed = GatewayConfigurationLoader.Parse(
                $$"""
                {
                  "servers": { "fixture": { "command": ["placeholder"] } },
                  "policy": { "default": "allow", "rules": [ { "id": "no-fail", "effect": "deny", "tools": ["fixture__fail"] } ] },
                  "events": { "webhook_url": "{{_url}}", "webhook_secret_file": "{{secretFile}}", "max_attempts": 3 }
                }
                """,
                new Dictionary<string, string?>());
            Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
            ServerDefinition fixture = TestServers.Fixture("fixture");
            GatewayConfiguration configuration = parsed.Configuration! with
            {
                Servers = new ReadOnlyDictionary<string, ServerDefinition>(new Dictionary<string, ServerDefinition> { ["fixture"] = fixture }),
                Settings = TestServers.Configuration(fixture).Settings,
            };
            await using GatewayHost host = await GatewayHost.StartAsync(configuration, cts.Token);
            await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);

            await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "hooked")), cancellationToken: cts.Token);
            await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => client.Client.CallToolAsync("fixture__fail", Results.Args(("code", -32603), ("message", "x")), cancellationToken: cts.Token).AsTask());

            await Eventually.WaitUntilAsync(() => _received.Any(r => r.Type == "tool_executed") && _received.Any(r => r.Type == "security_violation"), "both events reached the webhook", cts.Token);
            Assert.True(Volatile.Read(ref _attempts) > _received.Count, "the first attempt failed and was retried");
            foreach (Received received in _received)
            {
                // The signature is the HMAC-SHA256 of the exact body with the file's secret (trimmed).
                Assert.Equal(WebhookEventSink.Sign(Encoding.UTF8.GetBytes(Secret), received.Body), received.Signature);
                Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(received.Body), StringComparison.Ordinal);
            }

            JsonElement executed = JsonDocument.Parse(_received.First(r => r.Type == "tool_executed").Body).RootElement;
            Assert.Equal("tool_executed", executed.GetProperty("type").GetString());
            Assert.Equal("fixture__echo", executed.GetProperty("data").GetProperty("tool").GetString());
            Assert.True(executed.GetProperty("data").GetProperty("succeeded").GetBoolean());
            Assert.False(string.IsNullOrEmpty(executed.GetProperty("data").GetProperty("correlation_id").GetString()));
            JsonElement violation = JsonDocument.Parse(_received.First(r => r.Type == "security_violation").Body).RootElement.GetProperty("data");
            Assert.True(violation.GetProperty("rule").GetString() == "no-fail", violation.GetRawText());
            Assert.Equal("fixture__fail", violation.GetProperty("target").GetString());
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Fact]
    public async Task Post_WhenTheQueueIsFull_DropsAndCountsWithoutBlocking()
    {
        Volatile.Write(ref _failFirst, int.MaxValue); // the webhook never accepts: events pile up
        var settings = new EventSettings { WebhookUrl = _url, QueueCapacity = 2, MaxAttempts = 1 };
        await using var sink = new WebhookEventSink(settings, null, TimeProvider.System, NullLogger.Instance);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 200; i++)
        {
            sink.Post("tool_executed", new System.Text.Json.Nodes.JsonObject { ["n"] = i });
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"200 posts took {watch.Elapsed}");
        Assert.InRange(sink.Dropped, 200 - 3, 200 - 2); // the queue holds 2, the worker may have taken 1
    }

    private sealed record Received(byte[] Body, string Signature, string Type);
}
