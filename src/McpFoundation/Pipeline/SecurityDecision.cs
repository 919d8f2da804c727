using ModelContextProtocol.Protocol;

namespace McpFoundation.Pipeline;

/// <summary>
/// The answer of one pipeline filter: allow the operation to continue, or deny it with a stable error code and a reason
/// that tells the caller what to do. Refusals are values, not exceptions.
/// </summary>
public readonly record struct SecurityDecision
{
    private SecurityDecision(bool isAllowed, int code, string? reason, string? deniedBy, string? rule = null, string? hint = null, string? argument = null, InputRequiredResult? inputRequired = null)
    {
        InputRequired = inputRequired;
        Argument = argument;
        IsAllowed = isAllowed;
        Code = code;
        Reason = reason;
        DeniedBy = deniedBy;
        Rule = rule;
        Hint = hint;
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

    /// <summary>Gets the rule that decided a denial (a policy rule id, <c>default</c>, or a profile field such as <c>servers.fs.security_profile.allowed_paths</c>), if the filter has rules.</summary>
    public string? Rule { get; }

    /// <summary>Gets a one-line hint of what to change for the operation to be allowed, if the filter knows one.</summary>
    public string? Hint { get; }

    /// <summary>Gets the argument a denial is about (returned in the error's <c>data.argument</c>), if it is about one.</summary>
    public string? Argument { get; }

    /// <summary>
    /// Gets the input the gateway itself needs from a stateless (2026-07-28) client before the operation may go on
    /// (an approval): the <c>tools/call</c> is answered with this input-required result instead of an error, and the
    /// client's retry (with <c>inputResponses</c> and this <c>requestState</c>) is a new operation that passes the
    /// filters again. Null for every other decision.
    /// </summary>
    public InputRequiredResult? InputRequired { get; }

    /// <summary>Gets a value indicating whether the operation waits for client input (<see cref="InputRequired"/>) instead of being denied.</summary>
    public bool IsInputRequired => InputRequired is not null;

    /// <summary>
    /// Creates the decision that the operation needs client input first: only for a stateless (2026-07-28) client's
    /// <c>tools/call</c>, whose answer becomes the input-required result; on any other operation the pipeline refuses it
    /// (<see cref="GatewayErrorCodes.FilterFailed"/>, fail closed). The request state must let the filter recognize
    /// its own retry (<see cref="OperationContext.ClientRequestState"/>), and must not start with <c>mcpf-mrtr-</c>.
    /// </summary>
    /// <param name="input">The input requests and the request state.</param>
    /// <param name="deniedBy">The filter that asks (the pipeline fills it in when null).</param>
    /// <returns>The decision.</returns>
    public static SecurityDecision RequireInput(InputRequiredResult input, string? deniedBy = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new(false, 0, "The client's input is required first.", deniedBy, inputRequired: input);
    }

    /// <summary>The same decision, attributed to <paramref name="filter"/>.</summary>
    internal SecurityDecision By(string filter) => new(IsAllowed, Code, Reason, filter, Rule, Hint, Argument, InputRequired) { Data = Data };

    /// <summary>
    /// Gets further facts of a denial for the error's <c>data</c>, by field name (e.g. <c>retryAfterSeconds</c> of a
    /// limit); values must be JSON primitives (strings, numbers, booleans). Null for none.
    /// </summary>
    public IReadOnlyDictionary<string, object>? Data { get; init; }

    /// <summary>Creates a denial that names the rule that decided it and what to change.</summary>
    /// <param name="code">A stable error code from <see cref="GatewayErrorCodes"/>.</param>
    /// <param name="reason">What happened and why.</param>
    /// <param name="deniedBy">The filter that denied the operation.</param>
    /// <param name="rule">The deciding rule (returned in the error's <c>data.rule</c>).</param>
    /// <param name="hint">What to change (returned in the error's <c>data.hint</c>).</param>
    /// <param name="argument">The argument the denial is about (returned in the error's <c>data.argument</c>).</param>
    /// <returns>The denial.</returns>
    public static SecurityDecision Deny(int code, string reason, string? deniedBy, string? rule, string? hint, string? argument = null) => new(false, code, reason, deniedBy, rule, hint, argument);

    /// <summary>Creates a denial.</summary>
    /// <param name="code">A stable error code from <see cref="GatewayErrorCodes"/>.</param>
    /// <param name="reason">What happened and what to do about it.</param>
    /// <param name="deniedBy">The filter that denied the operation.</param>
    /// <returns>The denial.</returns>
    public static SecurityDecision Deny(int code, string reason, string? deniedBy = null) => new(false, code, reason, deniedBy);
}
