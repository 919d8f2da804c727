using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>
/// The category names of <c>policy.rules[].categories</c> and the category masks the compiled rules use. The default
/// (<c>policy.default</c>) governs the operations on a named tool, prompt or resource (<see cref="Governed"/>); the
/// other categories (lists, logging level, server-to-client requests, notifications, input responses) are refused
/// only by a rule that names them in <c>categories</c>.
/// </summary>
internal static class PolicyCategories
{
    /// <summary>Gets the file's names of the categories, by name.</summary>
    public static IReadOnlyDictionary<string, OperationCategory> ByName { get; } = new Dictionary<string, OperationCategory>(StringComparer.OrdinalIgnoreCase)
    {
        ["tool_execution"] = OperationCategory.ToolExecution,
        ["resource_read"] = OperationCategory.ResourceRead,
        ["resource_subscription"] = OperationCategory.ResourceSubscription,
        ["prompt_get"] = OperationCategory.PromptGet,
        ["completion"] = OperationCategory.Completion,
        ["discovery"] = OperationCategory.Discovery,
        ["logging_level"] = OperationCategory.LoggingLevel,
        ["server_to_client_request"] = OperationCategory.ServerToClientRequest,
        ["server_notification"] = OperationCategory.ServerNotification,
        ["client_input_response"] = OperationCategory.ClientInputResponse,
    };

    /// <summary>Gets the categories the default governs: operations on one named tool, prompt or resource.</summary>
    public static int Governed { get; } =
        Bit(OperationCategory.ToolExecution) | Bit(OperationCategory.ResourceRead) | Bit(OperationCategory.ResourceSubscription)
        | Bit(OperationCategory.PromptGet) | Bit(OperationCategory.Completion);

    public static int Tools { get; } = Bit(OperationCategory.ToolExecution);

    public static int Prompts { get; } = Bit(OperationCategory.PromptGet) | Bit(OperationCategory.Completion);

    public static int Resources { get; } = Bit(OperationCategory.ResourceRead) | Bit(OperationCategory.ResourceSubscription) | Bit(OperationCategory.Completion);

    /// <summary>Gets the bit of one category.</summary>
    public static int Bit(OperationCategory category) => 1 << (int)category;

    /// <summary>Gets the file's name of a category.</summary>
    public static string NameOf(OperationCategory category) => ByName.First(pair => pair.Value == category).Key;

    /// <summary>
    /// Gets the categories a rule applies to: the ones it names; else those of the targets it names (tools: tool calls;
    /// prompts: prompts/get and prompt completions; resources: reads, subscriptions and resource completions); else the
    /// governed categories.
    /// </summary>
    public static int MaskOf(PolicyRule rule)
    {
        if (rule.Categories is { } named)
        {
            var mask = 0;
            foreach (var category in named)
            {
                mask |= Bit(category);
            }

            return mask;
        }

        return Implicit(rule);
    }

    /// <summary>Gets the categories of the targets a rule names, or the governed ones when it names none.</summary>
    public static int Implicit(PolicyRule rule)
    {
        if (rule.Tools is null && rule.Prompts is null && rule.Resources is null)
        {
            return Governed;
        }

        return (rule.Tools is null ? 0 : Tools) | (rule.Prompts is null ? 0 : Prompts) | (rule.Resources is null ? 0 : Resources);
    }
}
