using System.Security.Claims;

namespace McpFoundation.Sessions;

/// <summary>
/// The user a Streamable HTTP session belongs to, by the MCP SDK's own rule (2.4.0, <c>StreamableHttpHandler</c>): of
/// the request's <em>authenticated</em> identities, the first <see cref="ClaimTypes.NameIdentifier"/> claim, else the
/// first <c>sub</c>, else the first <see cref="ClaimTypes.Upn"/>; the session's owner is that claim's type, value and
/// issuer, compared ordinally. No authenticated identity means no owner (an anonymous session); an authenticated
/// user without such a claim (or with an empty one) may not use a session at all: the SDK answers 403.
/// The HTTP front's own answers must apply exactly this rule, so that a request the SDK would refuse never gets past it.
/// </summary>
internal sealed record SessionOwner(string ClaimType, string Value, string Issuer)
{
    private static readonly string[] IdClaimTypes = [ClaimTypes.NameIdentifier, "sub", ClaimTypes.Upn];

    /// <summary>Gets the owner a request of <paramref name="user"/> would have.</summary>
    /// <returns>False when the user is authenticated but has no usable id claim: the SDK refuses such a user a session.</returns>
    public static bool TryGet(ClaimsPrincipal? user, out SessionOwner? owner)
    {
        owner = null;
        if (FindIdClaim(user, out bool authenticated) is { } claim)
        {
            owner = new SessionOwner(claim.Type, claim.Value, claim.Issuer);
            return true;
        }

        return !authenticated;
    }

    /// <summary>
    /// Whether a request of <paramref name="user"/> may use a session owned by <paramref name="owner"/>, as the SDK
    /// decides it; allocates nothing for an anonymous request.
    /// </summary>
    public static bool Matches(SessionOwner? owner, ClaimsPrincipal? user)
    {
        Claim? claim = FindIdClaim(user, out bool authenticated);
        if (claim is null)
        {
            return !authenticated && owner is null;
        }

        return owner is not null
            && string.Equals(owner.ClaimType, claim.Type, StringComparison.Ordinal)
            && string.Equals(owner.Value, claim.Value, StringComparison.Ordinal)
            && string.Equals(owner.Issuer, claim.Issuer, StringComparison.Ordinal);
    }

    /// <summary>The SDK's id claim of the user: null when none of its identities is authenticated, or when the claim is missing or empty.</summary>
    internal static Claim? FindIdClaim(ClaimsPrincipal? user, out bool authenticated)
    {
        authenticated = false;
        if (user is null)
        {
            return null;
        }

        // ClaimsPrincipal keeps its identities in a list: indexing it allocates no enumerator.
        IReadOnlyList<ClaimsIdentity> identities = user.Identities as IReadOnlyList<ClaimsIdentity> ?? [.. user.Identities];
        for (int i = 0; i < identities.Count; i++)
        {
            authenticated |= identities[i].IsAuthenticated;
        }

        if (!authenticated)
        {
            return null;
        }

        foreach (string type in IdClaimTypes)
        {
            for (int i = 0; i < identities.Count; i++)
            {
                if (identities[i].IsAuthenticated && identities[i].FindFirst(type) is { } claim)
                {
                    return string.IsNullOrEmpty(claim.Value) ? null : claim;
                }
            }
        }

        return null;
    }
}
