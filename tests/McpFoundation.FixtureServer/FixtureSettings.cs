using System.Globalization;

namespace McpFoundation.FixtureServer;

/// <summary>The command line of the fixture server, parsed once at start.</summary>
/// <param name="HttpUrl">The URL to listen on for Streamable HTTP, or <see langword="null"/> to serve on stdio.</param>
/// <param name="ExtraToolCount">How many <c>extra_NNN</c> tools to add (<c>--tools N</c>).</param>
/// <param name="PageSize">Page size for every list method, or <see langword="null"/> to return whole lists (<c>--page-size K</c>).</param>
/// <param name="ServerName">The <c>serverInfo.name</c> to report (<c>--name NAME</c>).</param>
internal sealed record FixtureSettings(Uri? HttpUrl, int ExtraToolCount, int? PageSize, string ServerName)
{
    public const string DefaultServerName = "mcpfoundation-fixture";

    /// <summary>
    /// <c>--conformance</c>: serve the MCP conformance suite's test_* tools, prompts and resources
    /// (see <c>Conformance/</c>) instead of the fixture's own.
    /// </summary>
    public bool Conformance { get; init; }

    /// <summary>
    /// <c>--stall-pings</c>: never answer <c>ping</c> (a hung server, for health-check tests); everything else is
    /// answered as usual. With FIXTURE_EVENTS_FILE set, each ping received appends <c>ping &lt;id&gt;</c> to it.
    /// </summary>
    public bool StallPings { get; init; }

    /// <summary><c>--no-resources</c>: serve none of the fixture's own resources and templates (only <c>--resource-template</c> ones).</summary>
    public bool NoResources { get; init; }

    /// <summary>
    /// <c>--resource-template T</c> (repeatable): also serve the resource template <c>T</c> (e.g. a capture-all <c>{+uri}</c>),
    /// whose reads answer <c>"template T read URI"</c> and append <c>read URI</c> to <c>FIXTURE_EVENTS_FILE</c>.
    /// </summary>
    public IReadOnlyList<string> ResourceTemplates { get; init; } = [];

    /// <summary><c>--sensitive-tools</c>: also serve the tools attacks aim at (read_file, write_file, delete_file, list_directory, fetch_url, run_command, send_email; see <c>Tools/SensitiveTools</c>).</summary>
    public bool SensitiveTools { get; init; }

    public const string Usage =
        "usage: McpFoundation.FixtureServer (--stdio | --http http://127.0.0.1:0) [--tools N] [--page-size K] [--name NAME] [--conformance] [--no-resources] [--resource-template T]... [--stall-pings] [--sensitive-tools]";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static FixtureSettings Parse(IReadOnlyList<string> args)
    {
        bool stdio = false;
        Uri? httpUrl = null;
        int extraTools = 0;
        int? pageSize = null;
        string name = DefaultServerName;
        bool conformance = false;
        bool noResources = false;
        var templates = new List<string>();
        bool stallPings = false;
        bool sensitiveTools = false;

        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--stdio":
                    stdio = true;
                    break;
                case "--http":
                    string url = ValueOf(args, ref i);
                    if (!Uri.TryCreate(url, UriKind.Absolute, out httpUrl) || httpUrl.Scheme != Uri.UriSchemeHttp)
                    {
                        throw new ArgumentException($"--http: '{url}' is not an absolute http URL such as http://127.0.0.1:0.");
                    }
                    break;
                case "--tools":
                    extraTools = PositiveInt(args, ref i, allowZero: true);
                    break;
                case "--page-size":
                    pageSize = PositiveInt(args, ref i, allowZero: false);
                    break;
                case "--name":
                    name = ValueOf(args, ref i);
                    break;
                case "--conformance":
                    conformance = true;
                    break;
                case "--no-resources":
                    noResources = true;
                    break;
                case "--resource-template":
                    templates.Add(ValueOf(args, ref i));
                    break;
                case "--stall-pings":
                    stallPings = true;
                    break;
                case "--sensitive-tools":
                    sensitiveTools = true;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'.");
            }
        }

        if (stdio == (httpUrl is not null))
        {
            throw new ArgumentException("choose exactly one of --stdio and --http URL.");
        }

        return new FixtureSettings(httpUrl, extraTools, pageSize, name) { Conformance = conformance, NoResources = noResources, ResourceTemplates = templates, StallPings = stallPings, SensitiveTools = sensitiveTools };
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        return args[++i];
    }

    private static int PositiveInt(IReadOnlyList<string> args, ref int i, bool allowZero)
    {
        string option = args[i];
        string text = ValueOf(args, ref i);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || (value == 0 && !allowZero))
        {
            throw new ArgumentException($"{option}: '{text}' is not a {(allowZero ? "non-negative" : "positive")} integer.");
        }

        return value;
    }
}
