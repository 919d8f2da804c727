using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Sessions;

/// <summary>
/// One client connected to the gateway (a stdio client, or one Streamable HTTP session): who it is, what it can do,
/// and how to reach it with notifications.
/// </summary>
public sealed class ClientSession
{
    private readonly ConcurrentDictionary<string, byte> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RequestId, CancellationTokenSource> _directRequests = new();
    private long _lastSdkActivity = Environment.TickCount64;

    internal ClientSession(string id, McpServer server, ClaimsPrincipal? user, bool isPersistent)
    {
        Id = id;
        Server = server;
        User = user ?? new ClaimsPrincipal(new ClaimsIdentity());
        UserId = SessionRegistry.UserIdOf(User);
        IsPersistent = isPersistent;
    }

    /// <summary>Gets the session id (the Streamable HTTP session id, <c>stdio</c>, or a per-request id for stateless requests).</summary>
    public string Id { get; }

    /// <summary>Gets the authenticated user id, if the front authenticated one.</summary>
    public string? UserId { get; }

    /// <summary>Gets the client's principal: the HTTP front's authenticated user, or the local user of the stdio front.</summary>
    public ClaimsPrincipal User { get; }

    /// <summary>Gets the user a Streamable HTTP session belongs to, by the SDK's rule; null for an anonymous session, stdio and stateless requests.</summary>
    internal SessionOwner? Owner { get; init; }

    /// <summary>Gets a value indicating whether the session outlives one request (stdio, stateful HTTP).</summary>
    public bool IsPersistent { get; }

    /// <summary>Gets the capabilities the client declared.</summary>
    public ClientCapabilities? Capabilities => Server.ClientCapabilities;

    /// <summary>Gets the client's name and version.</summary>
    public Implementation? ClientInfo => Server.ClientInfo;

    /// <summary>Gets the protocol revision negotiated with the client.</summary>
    public string? ProtocolVersion => Server.NegotiatedProtocolVersion;

    /// <summary>Gets the logging level the client asked for, or null if it never asked (changed only by an allowed <c>logging/setLevel</c>).</summary>
    public LoggingLevel? LoggingLevel { get; internal set; }

    /// <summary>Gets the resource URIs the client subscribed to.</summary>
    public IReadOnlyCollection<string> Subscriptions => (IReadOnlyCollection<string>)_subscriptions.Keys;

    internal McpServer Server { get; }

    internal IAsyncDisposable? CancellationHandler { get; set; }

    /// <summary>Gets how long ago the SDK's transport last saw a request of this session (it keeps idle sessions alive by that).</summary>
    internal TimeSpan SinceSdkActivity => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastSdkActivity));

    internal void TouchSdkActivity() => Volatile.Write(ref _lastSdkActivity, Environment.TickCount64);

    /// <summary>Registers a request the HTTP front answers itself, so that the client's notifications/cancelled can reach it.</summary>
    internal IDisposable TrackDirectRequest(RequestId id, CancellationTokenSource cancellation)
    {
        _directRequests[id] = cancellation;
        return new DirectRequestRegistration(this, id, cancellation);
    }

    internal bool CancelDirectRequest(RequestId id)
    {
        if (_directRequests.TryGetValue(id, out CancellationTokenSource? cancellation))
        {
            cancellation.Cancel();
            return true;
        }

        return false;
    }

    internal bool AddSubscription(string uri) => _subscriptions.TryAdd(uri, 0);

    internal bool RemoveSubscription(string uri) => _subscriptions.TryRemove(uri, out _);

    internal bool IsSubscribed(string uri) => _subscriptions.ContainsKey(uri);

    internal Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken = default) =>
        Server.SendMessageAsync(new JsonRpcNotification { Method = method, Params = parameters }, cancellationToken);

    private sealed class DirectRequestRegistration(ClientSession session, RequestId id, CancellationTokenSource cancellation) : IDisposable
    {
        public void Dispose() => session._directRequests.TryRemove(new KeyValuePair<RequestId, CancellationTokenSource>(id, cancellation));
    }
}
