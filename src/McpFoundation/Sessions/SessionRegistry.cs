using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.Sessions;

/// <summary>The client sessions currently connected to the gateway.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, ClientSession> _sessions = new(StringComparer.Ordinal);

    public event Action<ClientSession>? SessionEnded;

    public IReadOnlyCollection<ClientSession> Sessions => (IReadOnlyCollection<ClientSession>)_sessions.Values;

    /// <summary>The id of the one session of the stdio front.</summary>
    public const string StdioSessionId = "stdio";

    public ClientSession Register(McpServer server, string id, ClaimsPrincipal? user, SessionOwner? owner = null)
    {
        var session = new ClientSession(id, server, user, isPersistent: true) { Owner = owner };

        // The SDK cancels the requests it handles itself; this reaches the ones the HTTP front answers directly.
        session.CancellationHandler = server.RegisterNotificationHandler(NotificationMethods.CancelledNotification, (notification, _) =>
        {
            if (notification.Params?["requestId"] is { } idNode
                && idNode.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId))) is RequestId requestId)
            {
                session.CancelDirectRequest(requestId);
            }

            return ValueTask.CompletedTask;
        });
        _sessions[id] = session;
        return session;
    }

    public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ClientSession? session) => _sessions.TryGetValue(id, out session);

    public void Unregister(ClientSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, ClientSession>(session.Id, session)))
        {
            if (session.CancellationHandler is { } handler)
            {
                _ = handler.DisposeAsync().AsTask();
            }

            SessionEnded?.Invoke(session);
        }
    }

    /// <summary>
    /// Finds the persistent session a request belongs to; a stateless request gets a session of its own
    /// that lives as long as the request.
    /// </summary>
    /// <param name="requestServer">The request-bound server handle of the request.</param>
    /// <param name="user">The authenticated user of an HTTP request.</param>
    /// <param name="arrivedOverHttp">Whether the request came over HTTP (it has a related transport) rather than stdio.</param>
    public ClientSession Resolve(McpServer requestServer, ClaimsPrincipal? user, bool arrivedOverHttp)
    {
        string? id = requestServer.SessionId;
        if (!string.IsNullOrEmpty(id) && _sessions.TryGetValue(id, out ClientSession? session))
        {
            return session;
        }

        if (!arrivedOverHttp && string.IsNullOrEmpty(id) && _sessions.TryGetValue(StdioSessionId, out ClientSession? stdio))
        {
            return stdio;
        }

        // A stateless (2026-07-28) HTTP request: its session lives as long as the request.
        return new ClientSession("stateless-" + Guid.NewGuid().ToString("N"), requestServer, user, isPersistent: false);
    }

    /// <summary>The principal of a caller known only by a user id (the stdio front's local user, a library call's user).</summary>
    public static ClaimsPrincipal PrincipalOf(string? userId, string authenticationType)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }

        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)], authenticationType));
    }

    /// <summary>
    /// The user id of an HTTP request for logs, audit and the pipeline: the claim the SDK identifies a session's user by
    /// (<see cref="SessionOwner"/>), else the identity's name; null when the request is not authenticated.
    /// Who may use a session is decided by <see cref="SessionOwner"/> (claim type, value and issuer), not by this id.
    /// </summary>
    public static string? UserIdOf(ClaimsPrincipal? user) =>
        SessionOwner.FindIdClaim(user, out bool authenticated)?.Value ?? (authenticated ? user!.Identity?.Name : null);
}
