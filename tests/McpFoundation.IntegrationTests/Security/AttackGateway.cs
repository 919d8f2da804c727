using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.IntegrationTests.Infrastructure;

namespace McpFoundation.IntegrationTests.Security;

/// <summary>
/// A gateway with policy and security profiles configured from a real configuration file's text, in front of real
/// servers: <c>fx</c> (the recording fixture over stdio with its sensitive tools, profile with allowed paths, hosts,
/// extensions, operations and limits), <c>cmd</c> (the same fixture allowed to execute), <c>web</c> (the fixture over
/// HTTP, no profile: only the policy's rules apply) and <c>fs</c> (server-filesystem on the safe root). The safe root
/// has symlinks planted to outside it, a sibling directory whose name starts with the root's, and a secret outside.
/// </summary>
public sealed class AttackGateway : IAsyncLifetime
{
    private ExternalServer? _web;
    private GatewayHost? _host;

    public string Root { get; } = Directory.CreateTempSubdirectory("mcpf-attack-").FullName;

    /// <summary>Gets the directory every path argument of <c>fx</c> and <c>fs</c> must stay inside.</summary>
    public string Safe => Path.Combine(Root, "safe");

    internal RequestLogFile FxLog => new(Path.Combine(Root, "fx-requests.jsonl"));

    internal RequestLogFile CmdLog => new(Path.Combine(Root, "cmd-requests.jsonl"));

    internal RequestLogFile WebLog => new(Path.Combine(Root, "web-requests.jsonl"));

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    /// <summary>Gets the request log of a server's fixture, or null for a server that keeps none (server-filesystem).</summary>
    internal RequestLogFile? LogOf(string serverId) => serverId switch
    {
        "fx" => FxLog,
        "cmd" => CmdLog,
        "web" => WebLog,
        _ => null,
    };

    public async Task InitializeAsync()
    {
        PlantTree();
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        _web = await ExternalServer.StartFixtureAsync(new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = WebLog.Path }, cts.Token, "--no-resources", "--sensitive-tools");
        ConfigurationLoadResult loaded = GatewayConfigurationLoader.Parse(ConfigurationText(_web.Endpoint), new Dictionary<string, string?>(), Path.Combine(Root, "gateway.json"));
        if (!loaded.IsValid)
        {
            throw new InvalidOperationException("The attack configuration is invalid: " + string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}")));
        }

        _host = await GatewayHost.StartAsync(loaded.Configuration!, cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_web is not null)
        {
            await _web.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void PlantTree()
    {
        Directory.CreateDirectory(Path.Combine(Safe, "sub"));
        Directory.CreateDirectory(Path.Combine(Root, "outside"));
        Directory.CreateDirectory(Path.Combine(Root, "safe_evil"));
        File.WriteAllText(Path.Combine(Safe, "notes.txt"), "safe notes");
        File.WriteAllText(Path.Combine(Safe, "data.json"), "{}");
        File.WriteAllText(Path.Combine(Safe, "script.sh"), "echo hi");
        File.WriteAllText(Path.Combine(Safe, "sub", "a.txt"), "a");
        File.WriteAllText(Path.Combine(Root, "outside", "secret.txt"), "outside secret");
        File.WriteAllText(Path.Combine(Root, "safe_evil", "secret.txt"), "sibling secret");
        File.CreateSymbolicLink(Path.Combine(Safe, "link_out"), Path.Combine(Root, "outside"));
        File.CreateSymbolicLink(Path.Combine(Safe, "passwd_link.txt"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(Safe, "sub", "up.txt"), Path.Combine("..", "..", "outside", "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(Safe, "inside_link.txt"), Path.Combine(Safe, "notes.txt"));
    }

    private string ConfigurationText(Uri webEndpoint)
    {
        string[] fixture = [RepoPaths.DotnetHost, RepoPaths.FixtureServerDll, "--stdio", "--sensitive-tools"];
        var configuration = new Dictionary<string, object>
        {
            ["namespacing"] = "prefix",
            ["settings"] = new Dictionary<string, object> { ["health_check_interval"] = 3600, ["max_servers"] = 20 },
            ["servers"] = new Dictionary<string, object>
            {
                ["fx"] = new Dictionary<string, object>
                {
                    ["command"] = fixture,
                    ["cwd"] = Safe,
                    ["env"] = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = FxLog.Path },
                    ["security_profile"] = new Dictionary<string, object>
                    {
                        ["allowed_operations"] = new[] { "read", "write", "list", "network" },
                        ["allowed_paths"] = new[] { Safe },
                        ["allowed_file_extensions"] = new[] { ".txt", ".json" },
                        ["allowed_hosts"] = new[] { "93.184.216.34", "*.example.test" },
                        ["max_string_length"] = 4096,
                        ["max_argument_depth"] = 8,
                    },
                },
                ["cmd"] = new Dictionary<string, object>
                {
                    ["command"] = fixture,
                    ["env"] = new Dictionary<string, string> { ["FIXTURE_REQUEST_LOG"] = CmdLog.Path },
                    ["security_profile"] = new Dictionary<string, object> { ["allowed_operations"] = new[] { "execute", "read" } },
                },
                ["web"] = new Dictionary<string, object> { ["transport"] = "http", ["url"] = webEndpoint.ToString() },
                ["fs"] = new Dictionary<string, object>
                {
                    ["command"] = new[] { NpmTools.Node, NpmTools.ServerFilesystem, Safe },
                    ["security_profile"] = new Dictionary<string, object> { ["allowed_paths"] = new[] { Safe } },
                },
            },
            ["policy"] = new Dictionary<string, object>
            {
                ["default"] = "deny",
                ["mode"] = "enforce",
                ["rules"] = new object[]
                {
                    new Dictionary<string, object> { ["id"] = "profiled-servers", ["effect"] = "allow", ["tools"] = new[] { "fx__*", "cmd__*", "fs__*" } },
                    new Dictionary<string, object> { ["id"] = "no-etc", ["effect"] = "deny", ["tools"] = new[] { "web__*" }, ["when"] = new Dictionary<string, object> { ["path"] = new Dictionary<string, object> { ["under"] = new[] { "/etc", "/root" } } } },
                    new Dictionary<string, object> { ["id"] = "web-files", ["effect"] = "allow", ["tools"] = new[] { "web__read_file", "web__list_directory", "web__echo" } },
                    new Dictionary<string, object> { ["id"] = "no-web-echo", ["effect"] = "deny", ["tools"] = new[] { "web__echo" } },
                },
            },
        };
        return JsonSerializer.Serialize(configuration);
    }
}
