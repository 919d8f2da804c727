using McpFoundation.Hosting;
using Microsoft.AspNetCore.Hosting;

namespace McpFoundation.AspNetCore;

/// <summary>Kestrel settings for the gateway's HTTP front.</summary>
public static class McpFoundationWebHostExtensions
{
    /// <summary>
    /// Handles HTTP requests on the threads that read the sockets, with no hand-off to the thread pool: socket
    /// completions run inline (<see cref="InlineSocketCompletions"/>) and Kestrel schedules its pipes inline. At low
    /// concurrency this takes the gateway from 1.72x to 1.09x the latency of a direct HTTP call
    /// (docs/PERFORMANCE.md). Code on the request path must then not block: the gateway's own code does not, and
    /// filters added to its pipeline must await rather than wait. Call before the host is built and before anything
    /// in the process opens a connection.
    /// </summary>
    /// <param name="builder">The web host builder.</param>
    /// <returns>The builder.</returns>
    public static IWebHostBuilder UseMcpFoundationInlineIo(this IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        InlineSocketCompletions.Enable();
        return builder.UseSockets(static o => o.UnsafePreferInlineScheduling = true);
    }
}
