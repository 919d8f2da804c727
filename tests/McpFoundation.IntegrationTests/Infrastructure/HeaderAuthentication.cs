using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// A test authentication scheme that believes headers: <c>X-Test-User</c> names the user (absent: anonymous),
/// <c>X-Test-Claim</c> says which claim carries it (<c>nameid</c> by default, <c>sub</c>, <c>upn</c>, or <c>none</c> for an
/// authenticated user without an id claim), <c>X-Test-Issuer</c> its issuer (<c>test-issuer</c> by default).
/// Enough to exercise the session-owner rule; never anything like it outside tests.
/// </summary>
internal sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TestHeader";
    public const string UserHeader = "X-Test-User";
    public const string ClaimHeader = "X-Test-Claim";
    public const string IssuerHeader = "X-Test-Issuer";

    /// <summary>Adds the scheme as the default one to a host's services; GatewayHost then puts the middleware in front of /mcp.</summary>
    public static void AddTo(IServiceCollection services) =>
        services.AddAuthentication(SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(SchemeName, null);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[UserHeader] is not { Count: 1 } user || string.IsNullOrEmpty(user[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        string issuer = Request.Headers[IssuerHeader] is { Count: 1 } i && !string.IsNullOrEmpty(i[0]) ? i[0]! : "test-issuer";
        string? claimType = Request.Headers[ClaimHeader].ToString() switch
        {
            "" or "nameid" => ClaimTypes.NameIdentifier,
            "sub" => "sub",
            "upn" => ClaimTypes.Upn,
            _ => null,
        };
        var claims = new List<Claim> { new(ClaimTypes.Name, user[0]!, ClaimValueTypes.String, issuer) };
        if (claimType is not null)
        {
            claims.Add(new Claim(claimType, user[0]!, ClaimValueTypes.String, issuer));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
