using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tools;

/// <summary>A tool the gateway exposes, and where it comes from.</summary>
/// <param name="Name">The name clients call it by (with namespacing <c>prefix</c>: <c>server__tool</c>).</param>
/// <param name="ServerId">The configured server that provides it.</param>
/// <param name="DownstreamName">Its name on that server.</param>
/// <param name="Title">Its human-readable title, if any.</param>
/// <param name="Description">Its description, if any.</param>
/// <param name="InputSchema">The JSON schema of its arguments.</param>
/// <param name="Annotations">The server's hints about it (read-only, destructive, ...), if any.</param>
public sealed record ToolInfo(
    string Name,
    string ServerId,
    string DownstreamName,
    string? Title,
    string? Description,
    JsonElement InputSchema,
    ToolAnnotations? Annotations);
