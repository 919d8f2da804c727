using System.Globalization;
using System.Text.Json;
using McpFoundation.Pipeline;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Security.Approval;

/// <summary>
/// The elicitation an approval asks with, and how its answer is read: a message naming the tool, its server, the rule
/// that asked and the exact (canonical) arguments, and a form of one required choice, <c>approve</c> or <c>refuse</c>.
/// Only an accepted form whose choice is <c>approve</c> approves; everything else refuses.
/// </summary>
internal static class ApprovalPrompt
{
    /// <summary>The form field the user answers in.</summary>
    public const string DecisionField = "decision";

    /// <summary>The choice that approves the call.</summary>
    public const string Approve = "approve";

    /// <summary>The choice that refuses the call.</summary>
    public const string Refuse = "refuse";

    /// <summary>Builds the elicitation for one call.</summary>
    public static ElicitRequestParams Create(OperationContext context, string rule, string binding) => new()
    {
        Message = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            Approve this tool call? It runs only if you approve it, and only with exactly these arguments.
            Tool: {context.TargetName}
            Server: {context.ServerId ?? "(unknown)"}
            Asked by rule: {rule}
            Arguments: {CanonicalJson.ToText(context.Arguments)}
            Approval binding: sha256:{binding}
            """),
        RequestedSchema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>(StringComparer.Ordinal)
            {
                [DecisionField] = new ElicitRequestParams.UntitledSingleSelectEnumSchema
                {
                    Title = "Decision",
                    Description = "approve runs the call with exactly the arguments shown; refuse stops it.",
                    Enum = [Approve, Refuse],
                },
            },
            Required = [DecisionField],
        },
    };

    /// <summary>Gets a value indicating whether the user's answer approves the call.</summary>
    public static bool IsApproved(ElicitResult? answer) =>
        answer is { Action: "accept", Content: { } content }
        && content.TryGetValue(DecisionField, out JsonElement decision)
        && decision.ValueKind == JsonValueKind.String
        && decision.ValueEquals(Approve);

    /// <summary>How the user said no, in words for the refusal's message.</summary>
    public static string HowRefused(ElicitResult? answer) => answer?.Action switch
    {
        "decline" => "you declined the approval request",
        "cancel" => "you cancelled the approval request",
        "accept" => "you refused it",
        _ => "the client's answer did not approve it",
    };
}
