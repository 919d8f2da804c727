using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// Sampling is deprecated by the 2026-07-28 revision (SEP-2577); the fixture exercises it on purpose.
#pragma warning disable MCP9005

namespace McpFoundation.FixtureServer;

/// <summary>
/// The Multi Round-Trip Request (MRTR) steps shared by the fixture's tools that need the client: find the client's
/// answer on the retry, or ask for it by throwing <see cref="InputRequiredException"/>.
/// </summary>
internal static class ClientInput
{
    /// <summary>The client's answer to the input request named <paramref name="key"/>, on the retry that carries it.</summary>
    public static InputResponse? ResponseTo(RequestContext<CallToolRequestParams> context, string key) =>
        context.Params?.InputResponses?.TryGetValue(key, out InputResponse? response) is true ? response : null;

    /// <summary>Asks the client for input; the SDK turns it into what the session's protocol era needs.</summary>
    public static InputRequiredException Required(McpServer server, string key, InputRequest request)
    {
        // False only on a stateless session whose client predates 2026-07-28: nothing can reach that client.
        if (!server.IsMrtrSupported)
        {
            throw new McpException(
                $"'{key}' needs the client, but this request came without a session and its client does not speak MRTR. " +
                "Connect with an initialize handshake (stateful session) or with protocol revision 2026-07-28.");
        }

        return new InputRequiredException(new Dictionary<string, InputRequest> { [key] = request }, requestState: null);
    }

    /// <summary>The text of a sampling answer.</summary>
    public static string SampledText(InputResponse response) =>
        string.Concat(response.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo)?.Content.OfType<TextContentBlock>().Select(b => b.Text) ?? []);
}
