using System.ComponentModel;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Tools;

/// <summary>Tools that make the fixture behave like a hostile or broken server.</summary>
[McpServerToolType]
internal static class HostileTools
{
    private const int ChunkBytes = 64 * 1024;

    [McpServerTool(Name = "flood_stdout")]
    [Description("Writes one line of about `megabytes` MiB straight to stdout: the start of a JSON-RPC notification whose string never ends until the last byte. Streamed in 64 KiB chunks, never held in memory. Returns \"flooded\" if the reader took it all.")]
    public static async Task<string> FloodStdout(
        [Description("How many MiB the line carries.")] int megabytes,
        CancellationToken cancellationToken)
    {
        byte[] chunk = new byte[ChunkBytes];
        Array.Fill(chunk, (byte)'a');
        await using Stream stdout = Console.OpenStandardOutput();
        await stdout.WriteAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\""u8.ToArray(), cancellationToken);
        for (long written = 0; written < megabytes * 1024L * 1024L; written += ChunkBytes)
        {
            await stdout.WriteAsync(chunk, cancellationToken);
        }

        await stdout.WriteAsync("\"}}\n"u8.ToArray(), cancellationToken);
        return "flooded";
    }
}
