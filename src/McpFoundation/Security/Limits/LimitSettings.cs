using System.Collections.ObjectModel;

namespace McpFoundation.Security.Limits;

/// <summary>One limit as configured: calls per minute and calls at once; null means not limited.</summary>
/// <param name="CallsPerMinute">Calls per minute (a token bucket of that size, refilled evenly over the minute).</param>
/// <param name="MaxConcurrent">Calls that may run at once.</param>
internal sealed record LimitRule(int? CallsPerMinute, int? MaxConcurrent)
{
    public bool IsEmpty => CallsPerMinute is null && MaxConcurrent is null;
}

/// <summary>The <c>limits</c> section of the configuration, validated.</summary>
internal sealed record LimitSettings
{
    /// <summary>The default of <see cref="QueueSize"/>.</summary>
    public const int DefaultQueueSize = 0;

    /// <summary>The default of <see cref="QueueTimeout"/>, in seconds.</summary>
    public const int DefaultQueueTimeoutSeconds = 10;

    /// <summary>Gets the settings of a file without a <c>limits</c> section.</summary>
    public static LimitSettings Default { get; } = new();

    /// <summary>Gets the limit every user has on its own (config <c>limits.per_user</c>); null when users are not limited.</summary>
    public LimitRule? PerUser { get; init; }

    /// <summary>Gets the limits of single tools, by exposed tool name (config <c>limits.tools</c>).</summary>
    public IReadOnlyDictionary<string, LimitRule> Tools { get; init; } = ReadOnlyDictionary<string, LimitRule>.Empty;

    /// <summary>Gets how many calls may wait for a concurrency slot of one limit (config <c>limits.queue.size</c>); 0 refuses at once.</summary>
    public int QueueSize { get; init; } = DefaultQueueSize;

    /// <summary>Gets how long a call may wait for a concurrency slot (config <c>limits.queue.timeout</c>); the server's call timeout bounds it too.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(DefaultQueueTimeoutSeconds);
}
