using System.ComponentModel.DataAnnotations;

namespace McpFoundation.AspNetCore.Http;

/// <summary>Settings of the gateway's HTTP front.</summary>
public sealed class McpFoundationHttpOptions
{
    /// <summary>Gets or sets the path of the Streamable HTTP endpoint.</summary>
    [Required]
    [RegularExpression("^/.*", ErrorMessage = "McpFoundationHttpOptions.EndpointPath must start with '/', e.g. \"/mcp\".")]
    public string EndpointPath { get; set; } = "/mcp";

    /// <summary>
    /// Gets the host names the gateway answers to (the <c>Host</c> header, without port). Requests for any other host
    /// are refused, which defeats DNS rebinding. Defaults to the loopback names; add the name clients use when you bind elsewhere.
    /// </summary>
    public IList<string> AllowedHosts { get; } = ["localhost", "127.0.0.1", "[::1]", "::1"];

    /// <summary>
    /// Gets the browser origins allowed to call the endpoint (exact <c>scheme://host[:port]</c>). Requests without an
    /// <c>Origin</c> header (non-browser clients) are allowed; loopback origins are allowed unless <see cref="AllowLoopbackOrigins"/> is false.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Gets or sets a value indicating whether origins on a loopback host (any port) are allowed.</summary>
    public bool AllowLoopbackOrigins { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the front answers plain <c>tools/call</c> requests of established sessions
    /// itself, without the SDK's per-session message loop (see docs/PERFORMANCE.md). Requests that need the SDK's
    /// machinery (progress, clients that accept server-to-client requests, anything but <c>tools/call</c>) always take
    /// the SDK's path. On by default.
    /// </summary>
    public bool DirectToolCalls { get; set; } = true;

    /// <summary>Gets or sets how long an idle Streamable HTTP session lives.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "McpFoundationHttpOptions.IdleTimeout must be between 1 second and 7 days.")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(2);
}
