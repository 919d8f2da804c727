using McpFoundation.FixtureServer.Resources;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer;

/// <summary>completion/complete: names for the greeting prompt, ids for the items template.</summary>
internal static class Completions
{
    private static readonly string[] GreetingNames = ["alice", "albert", "bob"];
    private static readonly string[] ItemIds = ["1", "2", "3"];

    public static ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        CompleteRequestParams? p = request.Params;
        string[] candidates = p?.Ref switch
        {
            PromptReference { Name: "greeting" } when p.Argument.Name == "name" => GreetingNames,
            ResourceTemplateReference { Uri: FixtureResources.ItemsTemplate } when p.Argument.Name == "id" => ItemIds,
            _ => [],
        };

        string typed = p?.Argument.Value ?? "";
        List<string> values = [.. candidates.Where(c => c.StartsWith(typed, StringComparison.Ordinal))];

        return ValueTask.FromResult(new CompleteResult
        {
            Completion = new Completion { Values = values, Total = values.Count, HasMore = false },
        });
    }
}
