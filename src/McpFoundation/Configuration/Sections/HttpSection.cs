namespace McpFoundation.Configuration.Sections;

/// <summary>
/// The <c>http</c> object as written in the file; <see langword="null"/> means not set. Validated by
/// <see cref="HttpSectionValidator"/>, which turns it into <see cref="Front.Frames.HttpFrontSettings"/>.
/// </summary>
internal sealed record HttpSection
{
    public int? MaxRequestBytes { get; init; }

    public int? MaxJsonDepth { get; init; }

    public int? MaxStringLength { get; init; }

    public int? MaxArrayItems { get; init; }

    public double? RequestHeadersTimeout { get; init; }

    public int? MinRequestBodyBytesPerSecond { get; init; }

    public int? MaxRequestHeaderBytes { get; init; }

    public int? MaxRequestHeaders { get; init; }
}
