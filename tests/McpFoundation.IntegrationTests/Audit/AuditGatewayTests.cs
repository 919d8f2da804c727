using System.Collections.ObjectModel;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpFoundation.Audit;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using McpFoundation.Pipeline;
using McpFoundation.Storage;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Audit;

/// <summary>
/// The audit trail through the real gateway in front of the recording fixture server, on SQLite and on a real
/// PostgreSQL server: an allowed, a denied (policy) and a failed call each leave their records, with the correlation
/// id the client's error carries; arguments are redacted in the trail; security events are written; the trail
/// verifies; a trail that cannot be written refuses calls (-31070) and the server receives nothing; a profile's
/// <c>redact_results</c> redacts what the client gets.
/// </summary>
public abstract class AuditGatewayTests : IAsyncLifetime
{
    private const string Secret = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("mcpf-audit-gw-").FullName;
    private GatewayHost? _host;

    private RequestLogFile Log => new(Path.Combine(_workDirectory, "requests.jsonl"));

    private string DataDirectory => Path.Combine(_workDirectory, "data");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The <c>audit</c> section's JSON for the store under test.</summary>
    protected abstract Task<string> AuditSectionAsync();

    [Fact]
    public async Task AllowedDeniedAndFailedCalls_EachRecorded_WithTheClientsCorrelationId()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(await AuditSectionAsync(), redactResults: false, cts.Token);
        await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);

        await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "key " + Secret)), cancellationToken: cts.Token);
        McpProtocolException denied = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("fixture__env", Results.Args(("name", "PATH")), cancellationToken: cts.Token).AsTask());
        string deniedId = CorrelationIdOf(client);
        McpProtocolException failed = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("fixture__fail", Results.Args(("code", -32000), ("message", "broken on purpose")), cancellationToken: cts.Token).AsTask());
        host.Services.GetRequiredService<ISecurityEventSink>().Post(new SecurityEventRecord("emergency_activated", "Stopped by the test.") { Initiator = "test", Channel = "library" });
        List<AuditRecord> records = await FlushAndReadAsync(host, cts.Token);

        // Allowed: a started record (durable before forwarding) and a finished one, arguments redacted; or, when the
        // call ended before its started record was committed, the finished record alone with the arguments.
        AuditRecord finished = Assert.Single(records, r => r.Target == "fixture__echo" && r.Kind == AuditRecordKind.OperationFinished);
        AuditRecord? started = records.SingleOrDefault(r => r.Target == "fixture__echo" && r.Kind == AuditRecordKind.OperationStarted);
        Assert.True(started is null || (started.Sequence < finished.Sequence && started.CorrelationId == finished.CorrelationId && finished.Arguments is null));
        Assert.Equal(("ok", "allow", "fixture"), (finished.Outcome, finished.Decision, finished.ServerId));
        Assert.Contains("[REDACTED:api_key]", (started ?? finished).Arguments, StringComparison.Ordinal);
        Assert.DoesNotContain(records, r => (r.Arguments ?? "").Contains(Secret, StringComparison.Ordinal));
        Assert.Equal(64, finished.ArgumentsSha256!.Length);
        Assert.NotNull(finished.LatencyMs);

        // Denied by the policy (before the audit filter): one finished record with the rule and the error's correlation id.
        AuditRecord refusal = Assert.Single(records, r => r.Target == "fixture__env");
        Assert.Equal((deniedId, "deny", "policy", "no-env", GatewayErrorCodes.PolicyDenied), (refusal.CorrelationId, refusal.Decision, refusal.DecidedBy, refusal.Rule, refusal.ErrorCode));
        Assert.Equal((McpErrorCode)GatewayErrorCodes.PolicyDenied, denied.ErrorCode);
        Assert.Equal(0, Log.Entries().Count(e => e.GetRawText().Contains("\"env\"", StringComparison.Ordinal)));

        // Failed downstream: started and finished with the server's error.
        AuditRecord error = Assert.Single(records, r => r.Target == "fixture__fail" && r.Kind == AuditRecordKind.OperationFinished);
        Assert.Equal(("error", -32000), (error.Outcome, error.ErrorCode));
        Assert.Equal((McpErrorCode)(-32000), failed.ErrorCode);

        AuditRecord securityEvent = Assert.Single(records, r => r.Kind == AuditRecordKind.SecurityEvent);
        Assert.Equal(("emergency_activated", "Stopped by the test."), (securityEvent.Method, securityEvent.ErrorMessage));

        // Every call the fixture received is recorded with its arguments (started, or finished alone).
        Assert.All(
            Log.Entries().Where(e => e.GetProperty("method").GetString() == RequestMethods.ToolsCall),
            e => Assert.Contains(records, r => r.Arguments is not null && r.Kind != AuditRecordKind.SecurityEvent && r.Target == "fixture__" + e.GetProperty("params").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Trail_AfterCalls_VerifiesWithTheKeyInTheDataDirectory()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(await AuditSectionAsync(), redactResults: false, cts.Token);
        await using TestClient client = await host.ConnectAsync(GatewayFront.Stdio, cts.Token);
        for (int i = 0; i < 20; i++)
        {
            await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", $"m{i}")), cancellationToken: cts.Token);
        }

        await host.Services.GetRequiredService<AuditTrail>().FlushAsync(cts.Token);
        await using IAuditStore store = OpenStore(host);
        AuditVerificationResult result = await AuditExport.VerifyAsync(store, DataDirectory, cancellationToken: cts.Token);

        Assert.True(result.IsIntact, result.Problem);
        // A finished record per call, and a started one for each call that was still running when a commit came.
        long stored = await store.CountAsync(cts.Token);
        Assert.InRange(stored, 20L, 40L);
        Assert.Equal(stored, result.RecordsChecked);
        Assert.True(File.Exists(Path.Combine(DataDirectory, CheckpointSigner.KeyFileName)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(DataDirectory, CheckpointSigner.KeyFileName)));
        }
    }

    [Fact]
    public async Task RedactResults_ProfileAsksForIt_ClientGetsTheResultRedacted()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync(await AuditSectionAsync(), redactResults: true, cts.Token);
        await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);

        CallToolResult result = await client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "token ghp_0123456789abcdefghijABCDEFGHIJ0123456789 mail bob@example.com")), cancellationToken: cts.Token);

        string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Contains("[REDACTED:github_token]", text, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ghp_", text, StringComparison.Ordinal);
    }

    private protected async Task<GatewayHost> StartAsync(string auditSection, bool redactResults, CancellationToken cancellationToken)
    {
        string profile = redactResults ? ", \"security_profile\": { \"redact_results\": true }" : "";
        ConfigurationLoadResult parsed = GatewayConfigurationLoader.Parse(
            $$"""
            {
              "servers": { "fixture": { "command": ["placeholder"] {{profile}} } },
              "policy": { "default": "allow", "rules": [ { "id": "no-env", "effect": "deny", "tools": ["*__env"] } ] },
              "audit": {{auditSection}}
            }
            """,
            new Dictionary<string, string?>());
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
        ServerDefinition fixture = TestServers.Fixture("fixture") with
        {
            Env = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = Log.Path },
            SecurityProfile = parsed.Configuration!.Servers["fixture"].SecurityProfile,
        };
        GatewayConfiguration configuration = parsed.Configuration! with
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(new Dictionary<string, ServerDefinition> { ["fixture"] = fixture }),
            Settings = TestServers.Configuration(fixture).Settings with { DataDirectory = DataDirectory },
        };
        _host = await GatewayHost.StartAsync(configuration, cancellationToken);
        return _host;
    }

    private protected RequestLogFile RequestLog => Log;

    private protected static string CorrelationIdOf(TestClient client) =>
        ((JsonElement)client.Wire.Snapshot().OfType<JsonRpcError>().Last().Error.Data!).GetProperty(GatewayErrors.CorrelationIdField).GetString()!;

    private static IAuditStore OpenStore(GatewayHost host)
    {
        GatewayConfiguration configuration = host.Gateway.Configuration;
        return AuditInstallation.CreateStore(configuration, Storage.DataDirectory.Resolve(configuration));
    }

    private static async Task<List<AuditRecord>> FlushAndReadAsync(GatewayHost host, CancellationToken cancellationToken)
    {
        Assert.True(await host.Services.GetRequiredService<AuditTrail>().FlushAsync(cancellationToken));
        await using IAuditStore store = OpenStore(host);
        var records = new List<AuditRecord>();
        await foreach (AuditRecord record in store.ReadAsync(0, null, cancellationToken))
        {
            records.Add(record);
        }

        return records;
    }
}

[Trait("Category", "Integration")]
[Trait("Category", "Security")]
public sealed class SqliteAuditGatewayTests : AuditGatewayTests
{
    protected override Task<string> AuditSectionAsync() => Task.FromResult("{ \"checkpoint_interval\": 0.2 }");

    [Fact]
    public async Task UnwritableTrail_CallRefusedWithAuditUnavailable_NothingReachesTheServer()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        GatewayHost host = await StartAsync($$"""{ "connection_string": "Host=127.0.0.1;Port={{ClosedPort()}};Timeout=2;Username=nobody" }""", redactResults: false, cts.Token);
        await using TestClient client = await host.ConnectAsync(GatewayFront.Http, cts.Token);

        McpProtocolException refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.Client.CallToolAsync("fixture__echo", Results.Args(("message", "never forwarded")), cancellationToken: cts.Token).AsTask());

        Assert.Equal((McpErrorCode)GatewayErrorCodes.AuditUnavailable, refused.ErrorCode);
        Assert.Contains("audit trail", refused.Message, StringComparison.Ordinal);
        Assert.Contains("fail closed", refused.Message, StringComparison.Ordinal);
        Assert.Equal("audit", ((JsonElement)client.Wire.Snapshot().OfType<JsonRpcError>().Last().Error.Data!).GetProperty(GatewayErrors.FilterField).GetString());
        Assert.DoesNotContain(RequestLog.Entries(), e => e.GetRawText().Contains("never forwarded", StringComparison.Ordinal));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[Trait("Category", "Integration")]
[Trait("Category", "Security")]
[Collection(PostgresServerGroup.Name)]
public sealed class PostgresAuditGatewayTests(PostgresServer server) : AuditGatewayTests
{
    protected override async Task<string> AuditSectionAsync() =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["connection_string"] = await server.CreateDatabaseAsync(), ["checkpoint_interval"] = 0.2 });
}
