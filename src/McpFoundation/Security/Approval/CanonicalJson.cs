using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace McpFoundation.Security.Approval;

/// <summary>
/// Writes JSON in one canonical form: object keys sorted by ordinal (UTF-16 code unit) order, no whitespace, strings
/// escaped the same way every time, numbers as the client wrote them. Two argument sets that differ in any value, key
/// or structure give different text; the same arguments sent again give the same text.
/// </summary>
internal static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
        MaxDepth = 256,
    };

    /// <summary>Writes the arguments of a call (an object of named values; null or empty writes <c>{}</c>) as canonical UTF-8 JSON.</summary>
    public static byte[] Write(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            if (arguments is not null)
            {
                foreach (KeyValuePair<string, JsonElement> argument in arguments.OrderBy(static a => a.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(argument.Key);
                    WriteValue(writer, argument.Value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes one JSON value in canonical form.</summary>
    public static byte[] Write(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteValue(writer, value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The canonical text of the arguments, for showing to the person who approves them.</summary>
    public static string ToText(IReadOnlyDictionary<string, JsonElement>? arguments) => System.Text.Encoding.UTF8.GetString(Write(arguments));

    private static void WriteValue(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (JsonProperty property in value.EnumerateObject().OrderBy(static p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteValue(writer, property.Value);
                }

                writer.WriteEndObject();
                break;

            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (JsonElement item in value.EnumerateArray())
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;

            case JsonValueKind.String:
                writer.WriteStringValue(value.GetString());
                break;

            case JsonValueKind.Number:
                writer.WriteRawValue(value.GetRawText(), skipInputValidation: false);
                break;

            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;

            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;

            default:
                // Null, and an undefined element (an argument present without a value), are both JSON null.
                writer.WriteNullValue();
                break;
        }
    }
}
