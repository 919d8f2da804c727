using System.Collections.Concurrent;
using System.Text.Json;
using McpFoundation.Pipeline;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>What a filter saw of one operation, copied when it saw it.</summary>
internal sealed record SeenOperation(
    OperationContext Context,
    OperationCategory Category,
    string Method,
    string CorrelationId,
    string? ServerId,
    string? TargetName,
    string? DownstreamName,
    string? UserId,
    bool UserIsAuthenticated,
    ProtocolEra Era,
    string? ArgumentsJson,
    OperationContext? Parent,
    OperationTarget? Target);

/// <summary>One outcome a filter was told, and of which operation.</summary>
internal sealed record SeenOutcome(OperationContext Context, OperationOutcome Outcome);

/// <summary>
/// A real pipeline filter that allows everything and records every operation it sees and every outcome it is told.
/// Installed first, so it sees every operation, denied ones included.
/// </summary>
internal sealed class RecordingFilter : IOperationFilter
{
    private readonly ConcurrentQueue<SeenOperation> _requests = new();
    private readonly ConcurrentQueue<SeenOutcome> _outcomes = new();

    public string Name => "recorder";

    public IReadOnlyList<SeenOperation> Requests => [.. _requests];

    public IReadOnlyList<SeenOutcome> Outcomes => [.. _outcomes];

    public void Clear()
    {
        _requests.Clear();
        _outcomes.Clear();
    }

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default)
    {
        _requests.Enqueue(new SeenOperation(
            context,
            context.Category,
            context.Method,
            context.CorrelationId,
            context.ServerId,
            context.TargetName,
            context.DownstreamName,
            context.UserId,
            context.User.Identity?.IsAuthenticated == true,
            context.Era,
            context.Arguments is null ? null : JsonSerializer.Serialize(context.Arguments),
            context.Parent,
            context.Target));
        return ValueTask.FromResult(SecurityDecision.Allow);
    }

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
    {
        _outcomes.Enqueue(new SeenOutcome(context, outcome));
        return ValueTask.CompletedTask;
    }
}

/// <summary>A real pipeline filter whose decision and completion a test scripts: deny what a predicate picks, change results.</summary>
internal sealed class ScriptedFilter : IOperationFilter
{
    private volatile Func<OperationContext, bool>? _denyWhen;
    private volatile Action<OperationContext, OperationOutcome>? _onCompleted;

    public string Name => "scripted";

    /// <summary>Denies every operation this picks, until <see cref="Reset"/>.</summary>
    public Func<OperationContext, bool>? DenyWhen { get => _denyWhen; set => _denyWhen = value; }

    /// <summary>Runs in OnCompletedAsync (e.g. to replace a result), until <see cref="Reset"/>.</summary>
    public Action<OperationContext, OperationOutcome>? OnCompleted { get => _onCompleted; set => _onCompleted = value; }

    public void Reset()
    {
        _denyWhen = null;
        _onCompleted = null;
    }

    public ValueTask<SecurityDecision> OnRequestAsync(OperationContext context, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_denyWhen?.Invoke(context) == true
            ? SecurityDecision.Deny(GatewayErrorCodes.OperationDenied, $"{context.Method} is denied by the test's scripted filter.")
            : SecurityDecision.Allow);

    public ValueTask OnCompletedAsync(OperationContext context, OperationOutcome outcome, CancellationToken cancellationToken = default)
    {
        _onCompleted?.Invoke(context, outcome);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Reads the fixture server's request log (FIXTURE_REQUEST_LOG): one JSON object per line, {method, params}.</summary>
internal sealed class RequestLogFile(string path)
{
    public string Path { get; } = path;

    public IReadOnlyList<JsonElement> Entries() =>
        File.Exists(Path) ? [.. File.ReadAllLines(Path).Where(static l => l.Length > 0).Select(static l => JsonDocument.Parse(l).RootElement.Clone())] : [];

    public int Count(string method) => Entries().Count(e => e.GetProperty("method").GetString() == method);
}
