using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Audit.Redaction;

/// <summary>
/// Replaces secrets (always) and the configured PII in text, in JSON arguments and in tool results with
/// <c>[REDACTED:name]</c>. In JSON, the value of a property whose name names a secret (<c>password</c>, <c>token</c>,
/// <c>api_key</c>, ...) is replaced whole, whatever it holds; every other string is searched with the detectors.
/// </summary>
public sealed class Redactor
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
    private readonly RedactionDetector[] _detectors;
    private LastRedaction? _last;

    internal Redactor(IEnumerable<RedactionDetector> detectors) => _detectors = [.. detectors];

    /// <summary>Gets a redactor with every secret detector and every PII detector.</summary>
    public static Redactor Default { get; } = Create(RedactionDetectors.PiiNames, null);

    /// <summary>Creates a redactor with every secret detector, the named PII detectors, and extra patterns.</summary>
    /// <param name="pii">The PII detectors to run (<c>email</c>, <c>card_number</c>, <c>phone</c>).</param>
    /// <param name="extraPatterns">Further patterns by name (regular expressions), for data of your own (an employee id...).</param>
    public static Redactor Create(IEnumerable<string> pii, IReadOnlyDictionary<string, string>? extraPatterns)
    {
        ArgumentNullException.ThrowIfNull(pii);
        var enabled = new HashSet<string>(pii, StringComparer.OrdinalIgnoreCase);
        var detectors = RedactionDetectors.All.Where(d => !d.IsPii || enabled.Contains(d.Name)).ToList();
        foreach ((string name, string pattern) in extraPatterns ?? new Dictionary<string, string>())
        {
            detectors.Add(new RedactionDetector(name, new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)), IsPii: true));
        }

        return new Redactor(detectors);
    }

    /// <summary>Redacts <paramref name="text"/>; returns the same instance when nothing was found.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < 6)
        {
            return text;
        }

        // The same message often comes many times in a row (an emergency stop answers every call in flight with one
        // message): the last one's result is kept, keyed by the instance, so it is scanned once.
        if (_last is { } last && ReferenceEquals(last.Text, text))
        {
            return last.Redacted;
        }

        string current = text;
        foreach (RedactionDetector detector in _detectors)
        {
            current = Apply(detector, current);
        }

        _last = new LastRedaction(text, current);
        return current;
    }

    private sealed record LastRedaction(string Text, string Redacted);

    /// <summary>Writes the arguments as compact JSON with their secrets and PII redacted; null when there are none.</summary>
    public string? RedactArguments(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach ((string name, JsonElement value) in arguments)
            {
                writer.WritePropertyName(name);
                WriteRedacted(writer, name, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Redacts one JSON value (a copy; the input is not changed).</summary>
    public JsonElement RedactElement(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteRedacted(writer, null, value);
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    /// <summary>A copy of a tool result with its text content and structured content redacted; the same instance when nothing changed.</summary>
    public CallToolResult RedactResult(CallToolResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        bool changed = false;
        var content = new List<ContentBlock>(result.Content.Count);
        foreach (ContentBlock block in result.Content)
        {
            if (block is TextContentBlock text && Redact(text.Text) is var redacted && !ReferenceEquals(redacted, text.Text))
            {
                content.Add(new TextContentBlock { Text = redacted, Annotations = text.Annotations, Meta = text.Meta });
                changed = true;
            }
            else
            {
                content.Add(block);
            }
        }

        JsonElement? structured = result.StructuredContent;
        if (structured is { } element)
        {
            JsonElement redacted = RedactElement(element);
            if (redacted.GetRawText() != element.GetRawText())
            {
                structured = redacted;
                changed = true;
            }
        }

        return changed
            ? new CallToolResult { Content = content, StructuredContent = structured, IsError = result.IsError, Meta = result.Meta }
            : result;
    }

    private void WriteRedacted(Utf8JsonWriter writer, string? propertyName, JsonElement value)
    {
        if (propertyName is not null && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null or JsonValueKind.Undefined) && RedactionDetectors.IsSecretName(propertyName))
        {
            writer.WriteStringValue("[REDACTED:secret_field]");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    WriteRedacted(writer, property.Name, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (JsonElement item in value.EnumerateArray())
                {
                    WriteRedacted(writer, null, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(Redact(value.GetString()!));
                break;
            case JsonValueKind.Number:
                // A card number sent as a JSON number.
                string raw = value.GetRawText();
                if (raw.Length >= 13 && Redact(raw) is var redactedNumber && !ReferenceEquals(redactedNumber, raw))
                {
                    writer.WriteStringValue(redactedNumber);
                }
                else
                {
                    value.WriteTo(writer);
                }

                break;
            case JsonValueKind.Undefined:
                writer.WriteNullValue();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    private static string Apply(RedactionDetector detector, string text)
    {
        Match match;
        try
        {
            match = detector.Pattern.Match(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return "[REDACTED:unscannable]";
        }

        if (!match.Success)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        int position = 0;
        bool replaced = false;
        for (; match.Success; match = match.NextMatch())
        {
            Group group = match.Groups[detector.Group];
            if (!group.Success || (detector.Confirm is { } confirm && !confirm(group.Value)))
            {
                continue;
            }

            builder.Append(text, position, group.Index - position).Append(detector.Replacement);
            position = group.Index + group.Length;
            replaced = true;
        }

        if (!replaced)
        {
            return text;
        }

        builder.Append(text, position, text.Length - position);
        return builder.ToString();
    }
}

