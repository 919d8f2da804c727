using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

// Logging is deprecated by the 2026-07-28 revision (SEP-2577); the fixture exercises it on purpose.
#pragma warning disable MCP9005

namespace McpFoundation.FixtureServer;

/// <summary>
/// Per-session state the SDK does not keep for us: resource subscriptions and the logging/setLevel threshold.
/// Sessions are told apart by <c>McpServer.SessionId</c> (the Mcp-Session-Id on HTTP; stdio has one
/// session and no id).
/// </summary>
internal sealed class SessionState
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public void Subscribe(McpServer server, string? uri)
    {
        if (uri is not null)
        {
            Session session = Get(server);
            session.Server = server;
            session.SubscribedUris[uri] = 0;
        }
    }

    public void Unsubscribe(McpServer server, string? uri)
    {
        if (uri is not null)
        {
            Get(server).SubscribedUris.TryRemove(uri, out _);
        }
    }

    public void SetLogLevel(McpServer server, LoggingLevel level) => Get(server).LogLevel = level;

    /// <summary>The level set with logging/setLevel on this session, or <see langword="null"/> if never set.</summary>
    public LoggingLevel? GetLogLevel(McpServer server) =>
        _sessions.TryGetValue(KeyOf(server), out Session? session) ? session.LogLevel : null;

    /// <summary>
    /// The servers to send resources/updated for <paramref name="uri"/> to. The calling session is reached
    /// through <paramref name="caller"/>, so its notification travels on the current request's stream and
    /// arrives before that request's result; other sessions are reached through the server that subscribed.
    /// </summary>
    public IEnumerable<McpServer> SubscribersOf(string uri, McpServer caller)
    {
        string callerKey = KeyOf(caller);
        foreach ((string key, Session session) in _sessions)
        {
            if (session.SubscribedUris.ContainsKey(uri) && session.Server is { } server)
            {
                yield return key == callerKey ? caller : server;
            }
        }
    }

    private Session Get(McpServer server) => _sessions.GetOrAdd(KeyOf(server), static _ => new Session());

    private static string KeyOf(McpServer server) => server.SessionId ?? string.Empty;

    private sealed class Session
    {
        public ConcurrentDictionary<string, byte> SubscribedUris { get; } = new(StringComparer.Ordinal);

        public McpServer? Server { get; set; }

        public LoggingLevel? LogLevel { get; set; }
    }
}

/// <summary>Wires resources/subscribe and resources/unsubscribe to a <see cref="SessionState"/>.</summary>
internal static class SessionStateBuilderExtensions
{
    public static IMcpServerBuilder WithSubscriptionsKeptIn(this IMcpServerBuilder builder, SessionState sessions) =>
        builder
            .WithSubscribeToResourcesHandler((request, _) =>
            {
                sessions.Subscribe(request.Server, request.Params?.Uri);
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithUnsubscribeFromResourcesHandler((request, _) =>
            {
                sessions.Unsubscribe(request.Server, request.Params?.Uri);
                return ValueTask.FromResult(new EmptyResult());
            });
}
