using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer.Conformance;

/// <summary>completion/complete for the conformance prompt <c>test_prompt_with_arguments</c> (suite scenario completion-complete).</summary>
internal static class ConformanceCompletions
{
    private static readonly string[] Candidates = ["paris", "park", "party", "test", "testing"];

    public static ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        CompleteRequestParams? p = request.Params;
        string typed = p?.Argument.Value ?? "";
        List<string> values = p?.Ref is PromptReference { Name: ConformancePrompts.WithArgumentsName }
            ? [.. Candidates.Where(c => c.StartsWith(typed, StringComparison.Ordinal))]
            : [];

        return ValueTask.FromResult(new CompleteResult
        {
            Completion = new Completion { Values = values, Total = values.Count, HasMore = false },
        });
    }
}
