using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Resources;

/// <summary>Two static resources (text and binary) and one template.</summary>
[McpServerResourceType]
internal static class FixtureResources
{
    public const string HelloUri = "fixture://static/hello";
    public const string BlobUri = "fixture://static/blob";
    public const string ItemsTemplate = "fixture://items/{id}";

    /// <summary>Not valid UTF-8, so a bridge that treats blobs as text shows up.</summary>
    private static readonly byte[] BlobBytes = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xC3, 0x28, 0xFE, 0xFF];

    [McpServerResource(UriTemplate = HelloUri, Name = "hello", MimeType = "text/plain")]
    [Description("A text resource that always reads \"hello from fixture\".")]
    public static string Hello() => "hello from fixture";

    [McpServerResource(UriTemplate = BlobUri, Name = "blob", MimeType = "application/octet-stream")]
    [Description("A small binary resource (9 bytes).")]
    public static BlobResourceContents Blob() =>
        BlobResourceContents.FromBytes(BlobBytes, BlobUri, "application/octet-stream");

    [McpServerResource(UriTemplate = ItemsTemplate, Name = "item", MimeType = "text/plain")]
    [Description("Reads as the text \"item <id>\".")]
    public static string Item([Description("The item id.")] string id) => $"item {id}";
}
