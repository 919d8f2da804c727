using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFoundation.Sessions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Pipeline;

/// <summary>
/// One operation on its way through the pipeline: what is asked, of which server, by whom. Filters read it, leave facts
/// for each other in <see cref="Items"/>, and change what is forwarded or answered only through
/// <see cref="ReplaceArguments"/> and <see cref="ReplaceResult"/>. The route (server, downstream name, target) is fixed
/// before the first filter runs, and the router forwards exactly the arguments the filters saw.
/// </summary>
public sealed class OperationContext
{
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());
    private Dictionary<string, object?>? _items;
    private IReadOnlyDictionary<string, JsonElement>? _arguments;
    private ClaimsPrincipal _user = Anonymous;
    private string? _userId;
    private int _phase; // 0 being built, 1 filters deciding (arguments may be replaced), 2 routed (nothing may change but the result)
    private object? _replacedResult;

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

    /// <summary>Gets the operation this one belongs to: the suspended call of a <see cref="OperationCategory.ClientInputResponse"/>, the client request of a per-server <c>logging/setLevel</c>, the call that caused a server-to-client request or its progress.</summary>
    public OperationContext? Parent { get; init; }

    /// <summary>Gets the name the client used: the exposed tool or prompt name, the resource URI, the list method's subject, or the level.</summary>
    public string? TargetName { get; private set; }

    /// <summary>Gets the id of the configured server the operation is routed to; null when it goes to no one server (a list, an unknown name).</summary>
    public string? ServerId { get; private set; }

    /// <summary>Gets the name of the tool or prompt on the downstream server (the URI, for resources).</summary>
    public string? DownstreamName { get; private set; }

    /// <summary>Gets what the operation was resolved to, with its definition; null when it names nothing the gateway knows.</summary>
    public OperationTarget? Target { get; private set; }

    /// <summary>Gets a value indicating whether the name the client used resolved to a server.</summary>
    public bool IsResolved => ServerId is not null;

    /// <summary>Gets the caller: the authenticated principal of the HTTP front, the local user of the stdio front, or the user a library call named. Never null; unauthenticated callers have an identity that is not authenticated.</summary>
    public ClaimsPrincipal User
    {
        get => _user;
        init
        {
            _user = value ?? Anonymous;
            _userId = SessionRegistry.UserIdOf(_user);
        }
    }

    /// <summary>Gets the caller's user id (the principal's subject / name identifier / name), or null when unknown.</summary>
    public string? UserId
    {
        get => _userId;
        init => _userId = value;
    }

    /// <summary>Gets the client session the operation came from; null for library calls.</summary>
    public ClientSession? Session { get; init; }

    /// <summary>Gets which kind of client the operation came from.</summary>
    public ProtocolEra Era => Session is null ? ProtocolEra.None : Session.IsPersistent ? ProtocolEra.SessionBased : ProtocolEra.Stateless;

    /// <summary>Gets the protocol revision of the client's request (e.g. <c>2025-11-25</c>), if known.</summary>
    public string? ProtocolVersion => Session?.ProtocolVersion;

    /// <summary>
    /// Gets the operation's arguments: a tool call's or prompt's arguments, a completion's context arguments plus the
    /// argument being completed, the parameters of a server-to-client request or notification, a client's input
    /// responses. Null when the category has none.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement>? Arguments
    {
        get => _arguments;
        init => _arguments = value;
    }

    /// <summary>Gets the filter that last replaced the arguments, if one did.</summary>
    public string? ArgumentsReplacedBy { get; private set; }

    /// <summary>Gets the request's <c>_meta</c> as the client sent it (read it; the router forwards its own copy).</summary>
    public JsonObject? Meta { get; init; }

    /// <summary>
    /// Gets the <c>requestState</c> of a stateless (2026-07-28) client's <c>tools/call</c> that retries an input request
    /// a filter made (<see cref="SecurityDecision.RequireInput"/>, e.g. an approval); null otherwise. A retry of a call
    /// suspended downstream never gets here: it carries its suspended operation on, and its input responses pass as a
    /// <see cref="OperationCategory.ClientInputResponse"/>.
    /// </summary>
    public string? ClientRequestState { get; private set; }

    /// <summary>Gets the <c>inputResponses</c> of such a retry, by key (see <see cref="ClientRequestState"/>); null otherwise.</summary>
    public IReadOnlyDictionary<string, InputResponse>? ClientInputResponses { get; private set; }

    /// <summary>Gets the SDK server bound to the client's request (server-to-client requests sent through it travel on the request's own stream); null for library calls.</summary>
    internal McpServer? RequestServer { get; set; }

    /// <summary>Gets when the operation entered the pipeline.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Gets the filter that last replaced the result, if one did.</summary>
    public string? ResultReplacedBy { get; private set; }

    /// <summary>Gets a bag for filters to leave facts for the filters after them and for the response path.</summary>
    public IDictionary<string, object?> Items => _items ??= new Dictionary<string, object?>(StringComparer.Ordinal);

    internal object? ReplacedResult => _replacedResult;

    /// <summary>
    /// Replaces the arguments that will be forwarded (redaction, canonicalization). Only while the filters decide
    /// (<see cref="IOperationFilter.OnRequestAsync"/>); the filters after this one see the new arguments, and the router
    /// forwards them.
    /// </summary>
    /// <param name="arguments">The new arguments.</param>
    /// <param name="filterName">The filter that replaces them (recorded for audit).</param>
    /// <exception cref="InvalidOperationException">The operation is not in its deciding phase, or has no arguments to replace.</exception>
    public void ReplaceArguments(IReadOnlyDictionary<string, JsonElement> arguments, string filterName)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrWhiteSpace(filterName);
        if (Volatile.Read(ref _phase) != 1)
        {
            throw new InvalidOperationException($"Arguments of {Method} can be replaced only in OnRequestAsync, before the operation is routed.");
        }

        _arguments = arguments;
        ArgumentsReplacedBy = filterName;
    }

    /// <summary>
    /// Replaces the result the client receives (result redaction, trimming a list per caller). Only in
    /// <see cref="IOperationFilter.OnCompletedAsync"/> of an operation that produced a result; the replacement must be
    /// of the result's own type (e.g. a <c>ListToolsResult</c> for <c>tools/list</c>).
    /// </summary>
    /// <param name="result">The new result.</param>
    /// <param name="filterName">The filter that replaces it (recorded for audit).</param>
    /// <exception cref="InvalidOperationException">The operation has no result to replace, or the type differs.</exception>
    public void ReplaceResult(object result, string filterName)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(filterName);
        if (ResultSlot is not { } current)
        {
            throw new InvalidOperationException($"{Method} has no result to replace here; results can be replaced in OnCompletedAsync of an operation that succeeded.");
        }

        if (!current.GetType().IsInstanceOfType(result))
        {
            throw new InvalidOperationException($"The result of {Method} is a {current.GetType().Name}; a replacement must be one too, not a {result.GetType().Name}.");
        }

        _replacedResult = result;
        ResultSlot = result;
        ResultReplacedBy = filterName;
    }

    /// <summary>Gets or sets what the audit trail keeps about this operation while it runs (its started record), so that its finished record is written once.</summary>
    internal object? AuditState { get; set; }

    /// <summary>Gets or sets the result being completed (set by the pipeline while it reports a successful outcome).</summary>
    internal object? ResultSlot { get; set; }

    /// <summary>Gets or sets how the pipeline reports this operation's outcome (one report, possibly after a suspension).</summary>
    internal InFlightOperation? Completion { get; set; }

    /// <summary>Records what the client's name resolved to. Only before the pipeline runs: the route cannot change afterwards.</summary>
    internal void Resolve(string? targetName, string? serverId, string? downstreamName, OperationTarget? target)
    {
        if (_phase != 0)
        {
            throw new InvalidOperationException("The route of an operation is fixed once the pipeline runs.");
        }

        TargetName = targetName;
        ServerId = serverId;
        DownstreamName = downstreamName;
        Target = target;
    }

    /// <summary>Records the arguments the client sent. Only before the pipeline runs.</summary>
    internal void SetClientArguments(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        if (_phase != 0)
        {
            throw new InvalidOperationException("The client's arguments are recorded before the pipeline runs; filters use ReplaceArguments.");
        }

        _arguments = arguments;
    }

    /// <summary>Records a retry's request state and input responses meant for a filter. Only before the pipeline runs.</summary>
    internal void SetClientInput(string? requestState, IDictionary<string, InputResponse>? inputResponses)
    {
        if (_phase != 0)
        {
            throw new InvalidOperationException("The client's input is recorded before the pipeline runs.");
        }

        ClientRequestState = requestState;
        ClientInputResponses = inputResponses is null ? null : new Dictionary<string, InputResponse>(inputResponses, StringComparer.Ordinal);
    }

    internal void EnterFilters(DateTimeOffset now)
    {
        StartedAt = now;
        Volatile.Write(ref _phase, 1);
    }

    internal void EnterRouting() => Volatile.Write(ref _phase, 2);
}
