namespace McpFoundation.Pipeline;

/// <summary>The value an operation produced, or the decision that refused it.</summary>
/// <typeparam name="T">The result type.</typeparam>
public readonly struct PipelineResult<T>
{
    private PipelineResult(T? value, SecurityDecision decision)
    {
        Value = value;
        Decision = decision;
    }

    /// <summary>Gets the result; meaningful only when <see cref="IsAllowed"/> is true.</summary>
    public T? Value { get; }

    /// <summary>Gets the decision; <see cref="SecurityDecision.Allow"/> when the operation ran.</summary>
    public SecurityDecision Decision { get; }

    /// <summary>Gets a value indicating whether the operation ran.</summary>
    public bool IsAllowed => Decision.IsAllowed;

    internal static PipelineResult<T> FromValue(T value) => new(value, SecurityDecision.Allow);

    internal static PipelineResult<T> Denied(SecurityDecision decision) => new(default, decision);
}
