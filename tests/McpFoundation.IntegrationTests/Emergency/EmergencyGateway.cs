using System.Collections.ObjectModel;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Emergency;

/// <summary>
/// A gateway of its own per test, in front of the recording fixture (request log, events file with "started" and
/// "cancelled" lines of <c>slow</c>), with an <c>emergency</c> section read from JSON like a file's and a data
/// directory the test can reuse for a restart. A marker variable in the fixture's environment finds its processes in /proc.
/// </summary>
internal sealed class EmergencyGateway : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private EmergencyGateway(GatewayHost host, string directory, string marker)
    {
        Host = host;
        Directory = directory;
        Marker = marker;
    }

    public GatewayHost Host { get; }

    public string Directory { get; }

    public string Marker { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public string StopFile => Path.Combine(DataDirectory, "EMERGENCY_STOP");

    public RequestLogFile Log => new(Path.Combine(Directory, "requests.jsonl"));

    public string EventsFile => Path.Combine(Directory, "events.txt");

    public McpSecurityIntegration Gateway => Host.Gateway;

    public static async Task<EmergencyGateway> StartAsync(CancellationToken cancellationToken, bool killServers = false, string? directory = null, McpFoundation.Audit.ISecurityEventSink? sink = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("mcpf-emergency-").FullName;
        string marker = "MCPF_EMERGENCY_MARKER=" + Guid.NewGuid().ToString("N");
        ConfigurationLoadResult parsed = GatewayConfigurationLoader.Parse(
            $$"""
            {
              "servers": { "fixture": { "command": ["placeholder"] } },
              "emergency": { "kill_servers": {{(killServers ? "true" : "false")}}, "admin": { "key": "{{AdminKey}}" } }
            }
            """,
            new Dictionary<string, string?>());
        if (!parsed.IsValid)
        {
            throw new InvalidOperationException(string.Join("; ", parsed.Errors));
        }

        ServerDefinition fixture = TestServers.Fixture("fixture") with
        {
            Env = new Dictionary<string, string>
            {
                ["FIXTURE_REQUEST_LOG"] = Path.Combine(directory, "requests.jsonl"),
                ["FIXTURE_EVENTS_FILE"] = Path.Combine(directory, "events.txt"),
                [marker.Split('=')[0]] = marker.Split('=')[1],
            },
        };
        GatewayConfiguration configuration = parsed.Configuration! with
        {
            Servers = new ReadOnlyDictionary<string, ServerDefinition>(new Dictionary<string, ServerDefinition> { ["fixture"] = fixture }),
            Settings = TestServers.Configuration(fixture).Settings with { DataDirectory = Path.Combine(directory, "data") },
        };
        GatewayHost host = await GatewayHost.StartAsync(
            configuration,
            cancellationToken,
            services: sink is null ? null : s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, sink));
        return new EmergencyGateway(host, directory, marker);
    }

    /// <summary>The lines of the events file that start with <paramref name="prefix"/> ("started ", "cancelled ").</summary>
    public int Events(string prefix) =>
        File.Exists(EventsFile) ? File.ReadAllLines(EventsFile).Count(l => l.StartsWith(prefix, StringComparison.Ordinal)) : 0;

    /// <summary>The processes whose environment has this gateway's marker: the fixture and whatever launched it in its group.</summary>
    public IReadOnlyList<int> ServerProcesses()
    {
        var found = new List<int>();
        foreach (string entry in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid))
            {
                continue;
            }

            try
            {
                string environment = File.ReadAllText(Path.Combine(entry, "environ"));
                string state = File.ReadAllText(Path.Combine(entry, "stat"));
                bool zombie = state[(state.LastIndexOf(')') + 2)..].StartsWith('Z');
                if (!zombie && environment.Split('\0').Contains(Marker, StringComparer.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours.
            }
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
    }

    public void DeleteDirectory()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
