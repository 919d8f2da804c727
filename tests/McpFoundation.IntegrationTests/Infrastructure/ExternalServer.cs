using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// An MCP server the test starts as a process of its own and reaches over Streamable HTTP (the gateway's "http"
/// downstream). Started and stopped by the test; killed with its process tree on dispose.
/// </summary>
internal sealed partial class ExternalServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ExternalServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>Gets the server's Streamable HTTP endpoint.</summary>
    public Uri Endpoint { get; private set; }

    /// <summary>Starts the fixture server with <c>--http http://127.0.0.1:0</c> and waits for its LISTENING line.</summary>
    public static Task<ExternalServer> StartFixtureAsync(CancellationToken cancellationToken, params string[] extraArgs) =>
        StartFixtureAsync(null, cancellationToken, extraArgs);

    /// <summary>Starts the fixture server over HTTP with extra environment variables (e.g. its request log).</summary>
    public static async Task<ExternalServer> StartFixtureAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, params string[] extraArgs)
    {
        var start = new ProcessStartInfo(RepoPaths.DotnetHost) { ArgumentList = { RepoPaths.FixtureServerDll, "--http", "http://127.0.0.1:0" } };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        foreach (string arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        return await StartAsync(start, line => ListeningLine().Match(line) is { Success: true } m ? new Uri(m.Groups[1].Value) : null, cancellationToken);
    }

    /// <summary>Starts server-everything in streamableHttp mode on a free loopback port and waits for "listening on port".</summary>
    public static async Task<ExternalServer> StartEverythingAsync(CancellationToken cancellationToken)
    {
        int port = FreeLoopbackPort();
        var start = new ProcessStartInfo(NpmTools.Node)
        {
            ArgumentList = { "--require", NpmTools.LoopbackPreload, NpmTools.ServerEverything, "streamableHttp" },
            Environment = { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
        return await StartAsync(start, line => line.Contains("listening on port", StringComparison.OrdinalIgnoreCase) ? endpoint : null, cancellationToken);
    }

    /// <summary>Starts server-everything in its legacy HTTP+SSE mode (GET /sse, POST /message) on a free loopback port.</summary>
    public static async Task<ExternalServer> StartEverythingSseAsync(CancellationToken cancellationToken)
    {
        int port = FreeLoopbackPort();
        var start = new ProcessStartInfo(NpmTools.Node)
        {
            ArgumentList = { "--require", NpmTools.LoopbackPreload, NpmTools.ServerEverything, "sse" },
            Environment = { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        var endpoint = new Uri($"http://127.0.0.1:{port}/sse");
        return await StartAsync(start, line => line.Contains("running on port", StringComparison.OrdinalIgnoreCase) ? endpoint : null, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static async Task<ExternalServer> StartAsync(ProcessStartInfo start, Func<string, Uri?> readyWhen, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ExternalServer(process, new Uri("http://127.0.0.1/"));

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (server._output)
            {
                server._output.Add(line);
            }

            if (readyWhen(line) is { } endpoint)
            {
                ready.TrySetResult(endpoint);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"{start.FileName} exited before it was ready. Output:\n{string.Join('\n', server.OutputSnapshot())}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.Endpoint = await ready.Task.WaitAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private string[] OutputSnapshot()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"LISTENING (http://\S+)")]
    private static partial Regex ListeningLine();
}
