namespace McpFoundation.Front.Frames;

/// <summary>
/// Limits on one JSON-RPC frame (an HTTP request body, a stdio line), checked before the frame is parsed
/// (<see cref="FrameGuard"/>). Set in the configuration's <c>http</c> section; the stdio front applies the same limits.
/// </summary>
internal sealed record FrameLimits
{
    /// <summary>The default largest frame: 4 MiB.</summary>
    public const int DefaultMaxBytes = 4 * 1024 * 1024;

    /// <summary>The default deepest nesting of objects and arrays, which is also the most the SDK's JSON options read.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>The default longest string or property name, in bytes as sent (escapes included): 1 MiB.</summary>
    public const int DefaultMaxStringLength = 1024 * 1024;

    /// <summary>The default largest number of items in one array.</summary>
    public const int DefaultMaxArrayItems = 10_000;

    /// <summary>Gets the limits when nothing is configured.</summary>
    public static FrameLimits Default { get; } = new();

    /// <summary>Gets the largest frame in bytes (HTTP: the request body; stdio: one line).</summary>
    public int MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Gets the deepest nesting of objects and arrays (the message object itself is depth 1).</summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <summary>Gets the longest string value or property name, in bytes as sent.</summary>
    public int MaxStringLength { get; init; } = DefaultMaxStringLength;

    /// <summary>Gets the largest number of items in one array.</summary>
    public int MaxArrayItems { get; init; } = DefaultMaxArrayItems;
}
