using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace McpFoundation.AspNetCore.Http;

/// <summary>
/// Tells whether the SDK's filter pipeline would do anything with a <c>tools/call</c> of a session: any message filter
/// (incoming or outgoing), any call-tool filter, any call-tool invocation filter. The HTTP front answers a call itself
/// only when none would, so a filter a host registers on <see cref="McpServerOptions"/> is never skipped.
/// </summary>
/// <remarks>
/// <c>WithHttpTransport</c> always registers the SDK's own authorization filters on <c>tools/call</c>
/// (<c>AuthorizationFilterSetup</c>, <c>AuthorizationCallToolFilterGuardSetup</c>). They look only at the tool the call
/// matched in <see cref="McpServerOptions.ToolCollection"/>; the gateway serves its tools through a handler and has no
/// such collection, so for it they do nothing and do not count. With a tool collection, they count like any other filter.
/// </remarks>
internal static class SdkToolCallFilters
{
    private static readonly string[] SdkAuthorizationSetups =
    [
        "ModelContextProtocol.AspNetCore.AuthorizationFilterSetup",
        "ModelContextProtocol.AspNetCore.AuthorizationCallToolFilterGuardSetup",
    ];

    /// <summary>Whether any filter of <paramref name="options"/> sees a tools/call, its params or its response.</summary>
    public static bool AnyApply(McpServerOptions options)
    {
        McpServerFilters filters = options.Filters;
        return filters.Message.IncomingFilters.Count > 0
            || filters.Message.OutgoingFilters.Count > 0
            || filters.Request.CallToolFilters.Any(f => !IsInertSdkFilter(f, options))
            || filters.Request.CallToolWithAlternateFilters.Any(f => !IsInertSdkFilter(f, options));
    }

    private static bool IsInertSdkFilter(Delegate filter, McpServerOptions options)
    {
        if (options.ToolCollection is not null)
        {
            return false;
        }

        Type? type = filter.Method.DeclaringType;
        while (type?.DeclaringType is { } outer)
        {
            type = outer; // a lambda's closure class is nested in the type that wrote it
        }

        return type is not null
            && type.Assembly == typeof(HttpServerTransportOptions).Assembly
            && SdkAuthorizationSetups.Contains(type.FullName, StringComparer.Ordinal);
    }
}
