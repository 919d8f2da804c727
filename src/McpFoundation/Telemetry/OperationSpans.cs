using System.Diagnostics;
using McpFoundation.Pipeline;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Telemetry;

/// <summary>
/// The spans of an operation, following the OpenTelemetry semantic conventions for MCP where they exist
/// (<c>mcp.method.name</c>, <c>gen_ai.tool.name</c>, <c>gen_ai.prompt.name</c>, <c>mcp.resource.uri</c>,
/// <c>mcp.session.id</c>, <c>error.type</c>; span name <c>{mcp.method.name} {target}</c>): the operation as the gateway
/// serves it (kind Server), each filter's decision as a child, and the forwarded request (kind Client) as a child.
/// Only called when a listener is there; with none the pipeline never gets here.
/// </summary>
internal static class OperationSpans
{
    /// <summary>Starts the operation's span; null when no listener samples it.</summary>
    public static Activity? Start(OperationContext context)
    {
        Activity? activity = GatewayTelemetry.ActivitySource.StartActivity(context.Method, ActivityKind.Server);
        if (activity is null)
        {
            return null;
        }

        if (LowCardinalityTarget(context) is { } target)
        {
            activity.DisplayName = context.Method + " " + target;
        }

        activity.SetTag("mcp.method.name", context.Method);
        activity.SetTag(GatewayTelemetry.CorrelationIdAttribute, context.CorrelationId);
        AddTargetTags(activity, context, context.TargetName);
        if (context.ServerId is { } server)
        {
            activity.SetTag("mcpfoundation.server", server);
        }

        if (context.Session?.Id is { Length: > 0 } session)
        {
            activity.SetTag("mcp.session.id", session);
        }

        if (context.ProtocolVersion is { } version)
        {
            activity.SetTag("mcp.protocol.version", version);
        }

        if (context.UserId is { } user)
        {
            activity.SetTag("enduser.id", user);
        }

        return activity;
    }

    /// <summary>Starts the span of the request forwarded to the server; null when no listener samples it.</summary>
    public static Activity? StartDownstream(OperationContext context, string method)
    {
        Activity? activity = GatewayTelemetry.ActivitySource.StartActivity(method, ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        if (context.Category is OperationCategory.ToolExecution or OperationCategory.PromptGet && context.DownstreamName is { } name)
        {
            activity.DisplayName = method + " " + name;
        }

        activity.SetTag("mcp.method.name", method);
        activity.SetTag(GatewayTelemetry.CorrelationIdAttribute, context.CorrelationId);
        activity.SetTag("mcpfoundation.server", context.ServerId);
        AddTargetTags(activity, context, context.DownstreamName);
        return activity;
    }

    public static void Decided(Activity? span, string filter, SecurityDecision decision)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag("mcpfoundation.filter", filter);
        span.SetTag("mcpfoundation.decision", decision.IsAllowed ? "allow" : decision.IsInputRequired ? "input_required" : "deny");
        if (decision.Rule is { } rule)
        {
            span.SetTag("mcpfoundation.policy.rule", rule);
        }

        if (!decision.IsAllowed && !decision.IsInputRequired)
        {
            span.SetTag("error.type", decision.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static void Denied(Activity? activity, SecurityDecision decision)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("mcpfoundation.outcome", "denied");
        activity.SetTag("mcpfoundation.denied_by", decision.DeniedBy);
        activity.SetTag("error.type", decision.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity.SetStatus(ActivityStatusCode.Error, decision.Reason);
    }

    public static void Succeeded(Activity? activity, object? result)
    {
        if (activity is null)
        {
            return;
        }

        if (result is CallToolResult { IsError: true })
        {
            // The conventions' value for a tool that answered with isError.
            activity.SetTag("error.type", "tool_error");
            activity.SetTag("mcpfoundation.outcome", "tool_error");
            activity.SetStatus(ActivityStatusCode.Error);
            return;
        }

        activity.SetTag("mcpfoundation.outcome", "ok");
    }

    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        if (exception is McpProtocolException protocol)
        {
            Failed(activity, "error", (int)protocol.ErrorCode, protocol.Message);
        }
        else
        {
            activity.SetTag("mcpfoundation.outcome", exception is OperationCanceledException ? "cancelled" : "error");
            activity.SetTag("error.type", exception.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        }
    }

    public static void Failed(Activity? activity, string outcome, int code, string? description)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("mcpfoundation.outcome", outcome);
        activity.SetTag("error.type", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity.SetTag("rpc.response.status_code", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity.SetStatus(ActivityStatusCode.Error, description);
    }

    /// <summary>The name of a tool or prompt the catalogue knows: bounded, so fit for a span name (a resource URI is not).</summary>
    private static string? LowCardinalityTarget(OperationContext context) =>
        context.IsResolved && context.Category is OperationCategory.ToolExecution or OperationCategory.PromptGet ? context.TargetName : null;

    private static void AddTargetTags(Activity activity, OperationContext context, string? name)
    {
        switch (context.Category)
        {
            case OperationCategory.ToolExecution when name is not null:
                activity.SetTag("gen_ai.tool.name", name);
                activity.SetTag("gen_ai.operation.name", "execute_tool");
                break;
            case OperationCategory.PromptGet when name is not null:
                activity.SetTag("gen_ai.prompt.name", name);
                break;
            case OperationCategory.ResourceRead when name is not null:
                activity.SetTag("mcp.resource.uri", name);
                break;
        }
    }
}
