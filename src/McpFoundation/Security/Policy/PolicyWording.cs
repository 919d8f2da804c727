using McpFoundation.Pipeline;

namespace McpFoundation.Security.Policy;

/// <summary>The words of policy decisions: what was asked, for whom, and what a rule is about.</summary>
internal static class PolicyWording
{
    public static string Describe(OperationContext context) => context.Category switch
    {
        OperationCategory.ToolExecution => $"calling tool '{context.TargetName}'",
        OperationCategory.PromptGet => $"getting prompt '{context.TargetName}'",
        OperationCategory.ResourceRead => $"reading resource '{context.TargetName}'",
        OperationCategory.ResourceSubscription => $"subscribing to resource '{context.TargetName}'",
        OperationCategory.Completion => $"completing arguments of '{context.TargetName}'",
        OperationCategory.Discovery => $"{context.Method}",
        _ => $"{context.Method}{(context.TargetName is { } target ? $" '{target}'" : string.Empty)}{(context.ServerId is { } server ? $" of server '{server}'" : string.Empty)}",
    };

    public static string For(OperationContext context) => context.UserId is { } user ? $" for user '{user}'" : " for an anonymous caller";

    public static string About(PolicyRule rule) => rule.Description is { Length: > 0 } description ? $" ({description})" : string.Empty;

    public static string Conditions(PolicyCondition when)
    {
        var parts = new List<string>();
        if (when.PathUnder is { } under)
        {
            parts.Add("a path under " + string.Join(", ", under));
        }

        if (when.PathNotUnder is { } notUnder)
        {
            parts.Add("a path outside " + string.Join(", ", notUnder));
        }

        if (when.UrlHosts is { } hosts)
        {
            parts.Add("a URL to " + string.Join(", ", hosts));
        }

        if (when.Arguments is { } arguments)
        {
            parts.AddRange(arguments.Select(static a => $"'{a.Name}' matching {a.Pattern}"));
        }

        return string.Join("; ", parts);
    }
}
