using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using McpFoundation.Emergency;
using McpFoundation.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace McpFoundation.AspNetCore.Admin;

/// <summary>
/// The emergency stop's admin HTTP API: <c>GET /admin/emergency</c> (the state), <c>POST /admin/emergency/stop</c> and
/// <c>POST /admin/emergency/resume</c> (JSON body <c>{"reason": "...", "initiator": "..."}</c>). It talks to the
/// in-memory switch directly: no policy, no downstream, no other channel is on its path. Guarded by
/// <see cref="AdminAccess"/>: a key (<c>emergency.admin.key</c> or <c>MCPF_ADMIN_KEY</c>) sent as a bearer token and
/// compared in constant time, loopback callers only unless <c>emergency.admin.allow_remote</c>; without a key the API
/// is off and says so (404).
/// </summary>
internal static class EmergencyAdminEndpoints
{
    public const string BasePath = "/admin/emergency";

    private const int MaxBodyBytes = 16 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints, IEndpointFilter originFilter)
    {
        RouteGroupBuilder group = endpoints.MapGroup(BasePath).AddEndpointFilter(originFilter);
        group.MapGet(string.Empty, static (HttpContext http, EmergencyStop stop, GatewayConfigurationProvider configuration) =>
            AdminAccess.Check(http, configuration.Current) ?? Json(StatusCodes.Status200OK, stop.State));
        group.MapPost("/stop", static async (HttpContext http, EmergencyStop stop, GatewayConfigurationProvider configuration) =>
        {
            if (AdminAccess.Check(http, configuration.Current) is { } refused)
            {
                return refused;
            }

            if (await ReadBodyAsync(http) is not { } body || body.Reason is null)
            {
                return Problem(StatusCodes.Status400BadRequest, "A stop needs a reason: send a JSON body such as {\"reason\": \"suspected exfiltration\", \"initiator\": \"alice\"}.");
            }

            EmergencyState state = await stop.TriggerAsync(body.Reason, body.Initiator ?? "admin-api", EmergencyChannels.AdminApi, cancellationToken: http.RequestAborted);
            return Json(StatusCodes.Status200OK, state);
        });
        group.MapPost("/resume", static async (HttpContext http, EmergencyStop stop, GatewayConfigurationProvider configuration) =>
        {
            if (AdminAccess.Check(http, configuration.Current) is { } refused)
            {
                return refused;
            }

            if (await ReadBodyAsync(http) is not { } body || body.Reason is null)
            {
                return Problem(StatusCodes.Status400BadRequest, "A resume needs a reason (it is audited): send a JSON body such as {\"reason\": \"incident 42 contained\", \"initiator\": \"alice\"}.");
            }

            try
            {
                EmergencyState state = await stop.ResumeAsync(body.Initiator ?? "admin-api", body.Reason, EmergencyChannels.AdminApi, cancellationToken: http.RequestAborted);
                return Json(StatusCodes.Status200OK, state);
            }
            catch (InvalidOperationException ex)
            {
                return Problem(StatusCodes.Status409Conflict, ex.Message);
            }
        });
    }

    internal static IResult Problem(int status, string message) =>
        Results.Text("{\"error\":" + JsonSerializer.Serialize(message, EmergencyAdminJson.Default.String) + "}", "application/json", Encoding.UTF8, status);

    private static IResult Json(int status, EmergencyState state) =>
        Results.Text(EmergencyStateStore.Serialize(state), "application/json", Encoding.UTF8, status);

    /// <summary>The body's reason and initiator (blank ones count as absent); null when it is not a JSON object.</summary>
    private static async Task<(string? Reason, string? Initiator)?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            if (buffer.Length is 0 or > MaxBodyBytes)
            {
                return null;
            }

            using JsonDocument document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return (Text(document.RootElement, "reason"), Text(document.RootElement, "initiator"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } text && !string.IsNullOrWhiteSpace(text)
            ? text.Trim()
            : null;
}

/// <summary>Who may use the admin API: a configured key, sent as a bearer token, from loopback unless allowed otherwise.</summary>
internal static class AdminAccess
{
    /// <summary>Null when the request may go on; else the refusal, which says what to do.</summary>
    public static IResult? Check(HttpContext http, Configuration.GatewayConfiguration configuration)
    {
        EmergencySettings settings = EmergencySettings.Of(configuration);
        if (settings.ResolveAdminKey() is not { } key)
        {
            return EmergencyAdminEndpoints.Problem(
                StatusCodes.Status404NotFound,
                $"The admin API is off: no admin key is configured. Set {EmergencySettings.AdminKeyVariable} (or emergency.admin.key in the configuration) and restart the gateway; then send the key as \"Authorization: Bearer <key>\".");
        }

        if (!settings.AdminAllowRemote && http.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
        {
            return EmergencyAdminEndpoints.Problem(
                StatusCodes.Status403Forbidden,
                "The admin API answers callers on the loopback interface only; call it from the gateway's host, or set emergency.admin.allow_remote: true.");
        }

        string authorization = http.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        string presented = authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization[Bearer.Length..].Trim() : string.Empty;
        if (!KeysMatch(presented, key))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"mcpf-admin\"";
            return EmergencyAdminEndpoints.Problem(
                StatusCodes.Status401Unauthorized,
                "The admin API needs the admin key as \"Authorization: Bearer <key>\" (the key is emergency.admin.key or MCPF_ADMIN_KEY).");
        }

        return null;
    }

    /// <summary>Compares in constant time (over hashes, so that neither length nor content leaks through timing).</summary>
    internal static bool KeysMatch(string presented, string expected)
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), b);
        return CryptographicOperations.FixedTimeEquals(a, b) && presented.Length > 0;
    }
}

/// <summary>Source-generated JSON for the admin API's error texts.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class EmergencyAdminJson : System.Text.Json.Serialization.JsonSerializerContext;
