using McpFoundation.IntegrationTests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFoundation.IntegrationTests.Filesystem;

/// <summary>server-filesystem on a temporary directory, behind the gateway, compared with the same server reached directly.</summary>
[Trait("Category", "Integration")]
public sealed class ServerFilesystemTests(FilesystemGateway gateway) : IClassFixture<FilesystemGateway>
{
    [Theory]
    [InlineData(GatewayFront.Http)]
    [InlineData(GatewayFront.Stdio)]
    public async Task CallTool_ListAndReadInsideAllowedDirectory_ReturnsTheFile(GatewayFront front)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);

        CallToolResult listing = await client.Client.CallToolAsync("fs__list_directory", Results.Args(("path", gateway.Directory)), cancellationToken: cts.Token);
        CallToolResult file = await client.Client.CallToolAsync("fs__read_text_file", Results.Args(("path", gateway.FilePath)), cancellationToken: cts.Token);

        Assert.NotEqual(true, listing.IsError);
        Assert.Contains("[FILE] hello.txt", listing.Text(), StringComparison.Ordinal);
        Assert.NotEqual(true, file.IsError);
        Assert.Equal(FilesystemGateway.Content, file.Text());
    }

    [Theory]
    [InlineData(GatewayFront.Http, "/etc/hostname")]
    [InlineData(GatewayFront.Stdio, "/etc/hostname")]
    [InlineData(GatewayFront.Http, "../outside.txt")]
    public async Task CallTool_PathOutsideAllowedDirectory_ServerErrorPassesThroughUnchanged(GatewayFront front, string path)
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        string outside = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(gateway.Directory, path));
        await using TestClient client = await gateway.Host.ConnectAsync(front, cts.Token);
        await using McpClient direct = await McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions
            {
                Command = NpmTools.Node,
                Arguments = [NpmTools.ServerFilesystem, gateway.Directory],
                Name = "fs-direct",
            }),
            new McpClientOptions { ProtocolVersion = GatewayHost.ClientProtocolVersion },
            cancellationToken: cts.Token);

        (bool? IsError, string Text, McpErrorCode? Code) expected = await CallAsync(direct, "read_text_file", outside, cts.Token);
        (bool? IsError, string Text, McpErrorCode? Code) actual = await CallAsync(client.Client, "fs__read_text_file", outside, cts.Token);

        Assert.True(expected.IsError == true || expected.Code is not null, "server-filesystem itself must refuse the path");
        Assert.Equal(expected, actual);
    }

    private static async Task<(bool? IsError, string Text, McpErrorCode? Code)> CallAsync(McpClient client, string tool, string path, CancellationToken cancellationToken)
    {
        try
        {
            CallToolResult result = await client.CallToolAsync(tool, Results.Args(("path", path)), cancellationToken: cancellationToken);
            return (result.IsError, result.Text(), null);
        }
        catch (McpProtocolException ex)
        {
            return (null, ex.Message, ex.ErrorCode);
        }
    }
}

public sealed class FilesystemGateway : IAsyncLifetime
{
    public const string Content = "hello from the filesystem\nsecond line\n";

    private GatewayHost? _host;

    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("mcpf-it-fs-").FullName;

    /// <summary>Gets the directory server-filesystem may see; its parent holds outside.txt, which it may not.</summary>
    public string Directory => Path.Combine(_root, "allowed");

    public string FilePath => Path.Combine(Directory, "hello.txt");

    internal GatewayHost Host => _host ?? throw new InvalidOperationException("The gateway is not started.");

    public async Task InitializeAsync()
    {
        using CancellationTokenSource cts = TestTimeouts.CreateSource();
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(FilePath, Content, cts.Token);
        await File.WriteAllTextAsync(Path.Combine(_root, "outside.txt"), "secret", cts.Token);
        _host = await GatewayHost.StartAsync(TestServers.Configuration(TestServers.Filesystem(Directory)), cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        System.IO.Directory.Delete(_root, recursive: true);
    }
}
