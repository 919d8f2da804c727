using System.ComponentModel;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Tools;

/// <summary>
/// The tools an attacker aims at, served only with <c>--sensitive-tools</c>: reading, writing, listing and deleting
/// files, fetching a URL, running a command, sending mail. None of them does anything dangerous: they say what they
/// were asked (a read returns the file's first bytes). With <c>FIXTURE_REQUEST_LOG</c> every call that reaches the
/// fixture is recorded, which is how the security tests prove that a refused call never arrived.
/// </summary>
internal static class SensitiveTools
{
    private const int MaxReadBytes = 4096;

    [McpServerTool(Name = "read_file", ReadOnly = true), Description("Reads a text file and returns its contents.")]
    public static async Task<string> ReadFileAsync([Description("The file to read.")] string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return $"no file at {path}";
        }

        await using FileStream file = File.OpenRead(path);
        byte[] buffer = new byte[MaxReadBytes];
        int read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    [McpServerTool(Name = "write_file"), Description("Writes text to a file (the fixture only says what it would write).")]
    public static string WriteFile([Description("The file to write.")] string path, [Description("The text to write.")] string content) =>
        $"would write {content.Length} characters to {path}";

    [McpServerTool(Name = "delete_file", Destructive = true), Description("Deletes a file (the fixture only says what it would delete).")]
    public static string DeleteFile([Description("The file to delete.")] string path) => $"would delete {path}";

    [McpServerTool(Name = "list_directory", ReadOnly = true), Description("Lists the entries of a directory.")]
    public static string ListDirectory([Description("The directory to list.")] string path) =>
        Directory.Exists(path) ? string.Join("\n", Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal)) : $"no directory at {path}";

    [McpServerTool(Name = "fetch_url", ReadOnly = true, OpenWorld = true), Description("Fetches a URL (the fixture only says what it would fetch).")]
    public static string FetchUrl([Description("The URL to fetch.")] Uri url) => $"would fetch {url.OriginalString}";

    [McpServerTool(Name = "run_command"), Description("Runs a shell command (the fixture only says what it would run).")]
    public static string RunCommand([Description("The command line to run.")] string command) => $"would run {command}";

    [McpServerTool(Name = "send_email", OpenWorld = true), Description("Sends an e-mail (the fixture only says what it would send).")]
    public static string SendEmail([Description("The recipient.")] string to, [Description("The subject.")] string subject, [Description("The body.")] string body) =>
        $"would send '{subject}' ({body.Length} characters) to {to}";
}
