using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.IntegrationTests.Limits;

/// <summary>
/// A gateway configured from a real file's text, in front of the recording fixture over stdio (<c>fixture</c>, with
/// a request log and an events file: the slow tool writes "started"/"finished" lines), optionally on a
/// <see cref="FakeTimeProvider"/> so that a minute of rate limit passes without waiting.
/// </summary>
internal sealed class LimitsGateway : IAsyncDisposable
{
    private readonly string _directory;

    private LimitsGateway(string directory, GatewayHost host, GatewayConfiguration configuration)
    {
        _directory = directory;
        Host = host;
        Configuration = configuration;
    }

    public GatewayHost Host { get; }

    public GatewayConfiguration Configuration { get; }

    public RequestLogFile Log => new(Path.Combine(_directory, "requests.jsonl"));

    public string EventsFile => Path.Combine(_directory, "events.txt");

    /// <summary>Starts the gateway with the fixture's <c>security_profile</c> and the file's other sections (e.g. <c>"limits": {...}</c>).</summary>
    public static async Task<LimitsGateway> StartAsync(string profile, string sections, CancellationToken cancellationToken, TimeProvider? timeProvider = null, Action<IServiceCollection>? services = null, string[]? fixtureArguments = null, string? directory = null)
    {
        directory ??= Directory.CreateTempSubdirectory("mcpf-limits-").FullName;
        GatewayConfiguration configuration = Load(directory, profile, sections, fixtureArguments);
        GatewayHost host = await GatewayHost.StartAsync(configuration, cancellationToken, services: s =>
        {
            if (timeProvider is not null)
            {
                s.AddSingleton(timeProvider);
            }

            services?.Invoke(s);
        });
        return new LimitsGateway(directory, host, configuration);
    }

    /// <summary>Reads the configuration text as the gateway reads a file.</summary>
    public static GatewayConfiguration Load(string directory, string profile, string sections, string[]? fixtureArguments = null)
    {
        string[] arguments = [RepoPaths.DotnetHost, RepoPaths.FixtureServerDll, "--stdio", .. fixtureArguments ?? []];
        string command = JsonSerializer.Serialize(arguments);
        string env = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["FIXTURE_REQUEST_LOG"] = Path.Combine(directory, "requests.jsonl"),
            ["FIXTURE_EVENTS_FILE"] = Path.Combine(directory, "events.txt"),
        });
        string text = $$"""
            {
              "settings": { "health_check_interval": 3600, "data_dir": {{JsonSerializer.Serialize(Path.Combine(directory, "data"))}} },
              "servers": { "fixture": { "command": {{command}}, "env": {{env}}, "security_profile": {{profile}} } }
              {{(sections.Length > 0 ? "," + sections : "")}}
            }
            """;
        ConfigurationLoadResult loaded = GatewayConfigurationLoader.Parse(text, new Dictionary<string, string?>(), Path.Combine(directory, "mcpf.json"));
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return loaded.Configuration!;
    }

    /// <summary>Gets the tools/call requests of <paramref name="tool"/> the fixture received.</summary>
    public int CallsReceived(string tool) =>
        Log.Entries().Count(e => e.GetProperty("method").GetString() == "tools/call"
            && e.GetProperty("params").TryGetProperty("name", out JsonElement name) && name.GetString() == tool);

    /// <summary>Gets the events file's lines.</summary>
    public string[] Events() => File.Exists(EventsFile) ? File.ReadAllLines(EventsFile) : [];

    /// <summary>Gets the largest number of slow calls the fixture ran at once, from its started/finished lines.</summary>
    public int PeakInFlight()
    {
        int current = 0, peak = 0;
        foreach (string line in Events())
        {
            if (line.StartsWith("started ", StringComparison.Ordinal))
            {
                peak = Math.Max(peak, ++current);
            }
            else if (line.StartsWith("finished ", StringComparison.Ordinal) || line.StartsWith("cancelled ", StringComparison.Ordinal))
            {
                current--;
            }
        }

        return peak;
    }

    /// <summary>Gets or sets a value indicating whether disposing keeps the directory (a second gateway reuses its data directory).</summary>
    public bool KeepDirectory { get; set; }

    public string WorkDirectory => _directory;

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (KeepDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
