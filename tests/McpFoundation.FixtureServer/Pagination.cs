using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFoundation.FixtureServer;

/// <summary>
/// Pages the four list methods. The SDK appends its whole primitive collection to the first page of a list
/// handler's result, so a custom list handler cannot paginate on its own; instead this filter asks the SDK
/// for the full list and returns one page of it, ordered by key (ordinal), with an opaque cursor.
/// </summary>
/// <remarks>
/// The cursor carries the key of the last item returned, so items added between pages (add_tool) never shift
/// or repeat what a client already has.
/// </remarks>
internal static class Pagination
{
    private const string CursorPrefix = "after:";

    public static McpRequestFilter<TParams, TResult> Paginate<TParams, TResult, TItem>(
        int pageSize, Func<TResult, IList<TItem>> itemsOf, Func<TItem, string> keyOf)
        where TParams : PaginatedRequestParams
        where TResult : PaginatedResult
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);

        return next => async (request, cancellationToken) =>
        {
            string? after = DecodeCursor(request.Params?.Cursor);
            if (request.Params is { } parameters)
            {
                // The SDK only appends its collection when there is no cursor: ask for everything.
                parameters.Cursor = null;
            }

            TResult result = await next(request, cancellationToken);
            IList<TItem> items = itemsOf(result);

            var remaining = items
                .Where(item => after is null || string.CompareOrdinal(keyOf(item), after) > 0)
                .OrderBy(keyOf, StringComparer.Ordinal)
                .ToList();
            var page = remaining.Take(pageSize).ToList();

            items.Clear();
            foreach (TItem item in page)
            {
                items.Add(item);
            }

            result.NextCursor = remaining.Count > page.Count ? EncodeCursor(keyOf(page[^1])) : null;
            return result;
        };
    }

    private static string EncodeCursor(string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(CursorPrefix + lastKey));

    private static string? DecodeCursor(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        try
        {
            string text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (text.StartsWith(CursorPrefix, StringComparison.Ordinal))
            {
                return text[CursorPrefix.Length..];
            }
        }
        catch (FormatException)
        {
            // Falls through to the protocol error below.
        }

        throw new McpProtocolException($"Invalid cursor '{cursor}': pass back a nextCursor this server returned.", McpErrorCode.InvalidParams);
    }
}
