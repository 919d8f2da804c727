using System.Collections.Concurrent;
using System.Security.Claims;
using ModelContextProtocol.Server;

namespace McpFoundation.Sessions;

/// <summary>The client sessions currently connected to the gateway.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, ClientSession> _sessions = new(StringComparer.Ordinal);

    public event Action<ClientSession>? SessionEnded;

    public IReadOnlyCollection<ClientSession> Sessions => (IReadOnlyCollection<ClientSession>)_sessions.Values;

    public ClientSession Register(McpServer server, string? userId, string? fallbackId = null)
    {
        string id = server.SessionId ?? fallbackId ?? "stdio";
        var session = new ClientSession(id, server, userId, isPersistent: true);
        _sessions[id] = session;
        return session;
    }

    public void Unregister(ClientSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, ClientSession>(session.Id, session)))
        {
            SessionEnded?.Invoke(session);
        }
    }

    /// <summary>
    /// Finds the persistent session a request belongs to; a stateless request gets a session of its own
    /// that lives as long as the request.
    /// </summary>
    public ClientSession Resolve(McpServer requestServer, ClaimsPrincipal? user)
    {
        string? id = requestServer.SessionId;
        if (id is not null && _sessions.TryGetValue(id, out ClientSession? session))
        {
            return session;
        }

        if (id is null && _sessions.TryGetValue("stdio", out ClientSession? stdio))
        {
            return stdio;
        }

        return new ClientSession(id ?? "stateless-" + Guid.NewGuid().ToString("N"), requestServer, UserIdOf(user), isPersistent: false);
    }

    public static string? UserIdOf(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true
            ? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name
            : null;
}
