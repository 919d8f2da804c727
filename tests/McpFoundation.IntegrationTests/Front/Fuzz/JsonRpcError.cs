using System.Text;
using System.Text.Json;

namespace McpFoundation.IntegrationTests.Front.Fuzz;

/// <summary>The JSON-RPC error of an answer (plain JSON, or the data of a server-sent event), if it is one.</summary>
internal sealed record JsonRpcError(int Code, string Message)
{
    public static JsonRpcError? Read(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        if (text.Contains("data:", StringComparison.Ordinal))
        {
            // An event stream: the first event that carries an error.
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith("data:", StringComparison.Ordinal) && Parse(line[5..]) is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        return Parse(text);
    }

    public static JsonRpcError? Parse(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out JsonElement error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out JsonElement code)
                && code.TryGetInt32(out int value)
                ? new JsonRpcError(value, error.TryGetProperty("message", out JsonElement message) ? message.ToString() : "")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
