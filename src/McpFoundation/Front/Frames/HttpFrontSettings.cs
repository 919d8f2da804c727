namespace McpFoundation.Front.Frames;

/// <summary>
/// The <c>http</c> section of the configuration, validated: the limits every frame is checked against before it is
/// parsed (both fronts), and the Kestrel limits that cut off slow or oversized HTTP clients (set explicitly, not left
/// to Kestrel's defaults). Read once when the front starts.
/// </summary>
internal sealed record HttpFrontSettings
{
    /// <summary>The key of the section.</summary>
    public const string SectionKey = "http";

    /// <summary>The default of <see cref="RequestHeadersTimeout"/>, in seconds.</summary>
    public const int DefaultRequestHeadersTimeoutSeconds = 10;

    /// <summary>The default of <see cref="MinRequestBodyBytesPerSecond"/>.</summary>
    public const int DefaultMinRequestBodyBytesPerSecond = 240;

    /// <summary>The default of <see cref="MaxRequestHeaderBytes"/>: 32 KiB.</summary>
    public const int DefaultMaxRequestHeaderBytes = 32 * 1024;

    /// <summary>The default of <see cref="MaxRequestHeaders"/>.</summary>
    public const int DefaultMaxRequestHeaders = 100;

    /// <summary>Gets the settings of a file without an <c>http</c> section.</summary>
    public static HttpFrontSettings Default { get; } = new();

    /// <summary>Gets the frame limits (body size, nesting depth, string length, array items).</summary>
    public FrameLimits Frames { get; init; } = FrameLimits.Default;

    /// <summary>Gets how long a client has to send all of a request's headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(DefaultRequestHeadersTimeoutSeconds);

    /// <summary>Gets the slowest a request body may arrive (after a 5 s grace period); slower clients are cut off.</summary>
    public int MinRequestBodyBytesPerSecond { get; init; } = DefaultMinRequestBodyBytesPerSecond;

    /// <summary>Gets the largest total size of a request's headers.</summary>
    public int MaxRequestHeaderBytes { get; init; } = DefaultMaxRequestHeaderBytes;

    /// <summary>Gets the most headers a request may have.</summary>
    public int MaxRequestHeaders { get; init; } = DefaultMaxRequestHeaders;
}
