using McpFoundation.Pipeline;
using McpFoundation.Telemetry;

namespace McpFoundation.Security.Policy;

/// <summary>Raises <c>McpSecurityIntegration.SecurityViolation</c> through the gateway's event worker, never on a request thread.</summary>
internal sealed class SecurityViolations(GatewayEvents events)
{
    public event EventHandler<SecurityViolationEventArgs>? Raised;

    /// <summary>Gets or sets the event's sender (the <c>McpSecurityIntegration</c>).</summary>
    public object? Sender { get; set; }

    public void Post(OperationContext context, PolicyDecision decision, int errorCode, string reason, bool isShadow)
    {
        if (Raised is null)
        {
            return;
        }

        var args = new SecurityViolationEventArgs(decision, context, errorCode, reason, isShadow);
        events.Post((Owner: this, Args: args), static s => s.Owner.Raised?.Invoke(s.Owner.Sender ?? s.Owner, s.Args));
    }
}
