using McpFoundation.FixtureServer.Tools;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Resources;

/// <summary>
/// The <c>--resource-template</c> templates: each read answers <c>"template T read URI"</c> and is recorded in
/// <c>FIXTURE_EVENTS_FILE</c> as <c>read URI</c>, so a test can prove which reads reached this server (a hostile
/// server advertising a capture-all template must receive none of another server's reads).
/// </summary>
internal static class RecordingResources
{
    public static IEnumerable<McpServerResource> Create(IReadOnlyList<string> templates) =>
        templates.Select(template => McpServerResource.Create(
            async (RequestContext<ReadResourceRequestParams> context) =>
            {
                string uri = context.Params?.Uri ?? "?";
                await LifecycleTools.RecordEventAsync("read " + uri);
                return $"template {template} read {uri}";
            },
            new McpServerResourceCreateOptions { UriTemplate = template, Name = "recorded " + template, MimeType = "text/plain" }));
}
