using System.Text.Json;
using McpFoundation.Sessions;

namespace McpFoundation.Pipeline;

/// <summary>
/// One operation on its way through the pipeline: what is asked, of which server, by whom.
/// Filters read it and may add items; they share nothing else.
/// </summary>
public sealed class OperationContext
{
    private Dictionary<string, object?>? _items;

    /// <summary>Initializes a new instance of the <see cref="OperationContext"/> class.</summary>
    /// <param name="category">The kind of operation.</param>
    /// <param name="method">The MCP method, e.g. <c>tools/call</c>.</param>
    public OperationContext(OperationCategory category, string method)
    {
        Category = category;
        Method = method;
        CorrelationId = CorrelationIds.Next();
    }

    /// <summary>Gets the kind of operation.</summary>
    public OperationCategory Category { get; }

    /// <summary>Gets the MCP method name.</summary>
    public string Method { get; }

    /// <summary>Gets the correlation id that ties logs, audit records and traces of this operation together.</summary>
    public string CorrelationId { get; init; }

    /// <summary>Gets or sets the name the client used (the exposed tool or prompt name, or the resource URI).</summary>
    public string? TargetName { get; set; }

    /// <summary>Gets or sets the id of the configured server the operation is routed to, once known.</summary>
    public string? ServerId { get; set; }

    /// <summary>Gets or sets the name of the tool or prompt on the downstream server, once known.</summary>
    public string? DownstreamName { get; set; }

    /// <summary>Gets or sets the operation's arguments, as the client sent them.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Arguments { get; set; }

    /// <summary>Gets or sets the client session the operation came from, if it came from a client.</summary>
    public ClientSession? Session { get; set; }

    /// <summary>Gets or sets the authenticated user id, if known.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets a bag for filters to leave facts for the filters after them and for the response path.</summary>
    public IDictionary<string, object?> Items => _items ??= new Dictionary<string, object?>(StringComparer.Ordinal);
}
