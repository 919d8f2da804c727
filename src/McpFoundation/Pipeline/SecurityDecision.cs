namespace McpFoundation.Pipeline;

/// <summary>
/// The answer of one pipeline filter: allow the operation to continue, or deny it with a stable error code and a reason
/// that tells the caller what to do. Refusals are values, not exceptions.
/// </summary>
public readonly record struct SecurityDecision
{
    private SecurityDecision(bool isAllowed, int code, string? reason, string? deniedBy)
    {
        IsAllowed = isAllowed;
        Code = code;
        Reason = reason;
        DeniedBy = deniedBy;
    }

    /// <summary>Gets the decision that lets an operation continue.</summary>
    public static SecurityDecision Allow { get; } = new(true, 0, null, null);

    /// <summary>Gets a value indicating whether the operation may continue.</summary>
    public bool IsAllowed { get; }

    /// <summary>Gets the JSON-RPC error code returned to the client when denied (see docs/errors.md).</summary>
    public int Code { get; }

    /// <summary>Gets the reason for a denial, written for the person who has to fix it.</summary>
    public string? Reason { get; }

    /// <summary>Gets the name of the filter that denied the operation, if any.</summary>
    public string? DeniedBy { get; }

    /// <summary>Creates a denial.</summary>
    /// <param name="code">A stable error code from <see cref="GatewayErrorCodes"/>.</param>
    /// <param name="reason">What happened and what to do about it.</param>
    /// <param name="deniedBy">The filter that denied the operation.</param>
    /// <returns>The denial.</returns>
    public static SecurityDecision Deny(int code, string reason, string? deniedBy = null) => new(false, code, reason, deniedBy);
}
