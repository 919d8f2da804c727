using System.Text.RegularExpressions;

namespace McpFoundation.Audit.Redaction;

/// <summary>
/// The detectors, in one table (no maintained .NET detector list fits: Microsoft.Extensions.Compliance.Redaction
/// redacts classified fields, it finds nothing). Secrets are always redacted; the PII detectors (<c>email</c>,
/// <c>card_number</c>, <c>phone</c>) are chosen with <c>audit.redact_pii</c>. Each has its own test
/// (RedactionDetectorsTests). Order matters: a longer, surer match runs before a looser one.
/// </summary>
internal static partial class RedactionDetectors
{
    /// <summary>The names of the PII detectors.</summary>
    public static readonly IReadOnlyList<string> PiiNames = ["email", "card_number", "phone"];

    /// <summary>Gets every built-in detector, in the order they run.</summary>
    public static IReadOnlyList<RedactionDetector> All { get; } =
    [
        new("private_key", PrivateKey()),
        new("jwt", Jwt()),
        new("connection_string_password", UriCredentials(), Group: 1),
        new("aws_access_key", AwsAccessKey()),
        new("github_token", GitHubToken()),
        new("slack_token", SlackToken()),
        new("google_api_key", GoogleApiKey()),
        new("stripe_key", StripeKey()),
        new("api_key", SkKey()),
        new("bearer_token", Bearer(), Group: 1),
        new("secret_field", SecretField(), Group: 1),
        new("email", Email(), IsPii: true),
        new("card_number", CardNumber(), IsPii: true, Confirm: PassesLuhn),
        new("phone", Phone(), IsPii: true),
    ];

    /// <summary>Whether a property name names a secret (its whole value is redacted in JSON, whatever it holds).</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary>The Luhn check of the digits in <paramref name="text"/> (13 to 19 of them).</summary>
    public static bool PassesLuhn(string text)
    {
        int sum = 0;
        int digits = 0;
        bool doubled = false;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            char c = text[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            int d = c - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
            digits++;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    [GeneratedRegex(@"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex Jwt();

    // postgres://user:PASSWORD@host, mongodb+srv://u:PASSWORD@..., amqp://... : the password part only.
    [GeneratedRegex(@"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@""']+:([^\s@/""']+)@", RegexOptions.CultureInvariant)]
    private static partial Regex UriCredentials();

    [GeneratedRegex(@"(?i)\b(?:bearer|token)\s+([A-Za-z0-9._~+/-]{16,}=*)", RegexOptions.CultureInvariant)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b", RegexOptions.CultureInvariant)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b", RegexOptions.CultureInvariant)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\bxox[abposr]-[A-Za-z0-9-]{10,}", RegexOptions.CultureInvariant)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"\bAIza[0-9A-Za-z_-]{35}", RegexOptions.CultureInvariant)]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex(@"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}", RegexOptions.CultureInvariant)]
    private static partial Regex StripeKey();

    // OpenAI / Anthropic style keys: sk-..., sk-proj-..., sk-ant-...
    [GeneratedRegex(@"\bsk-(?:proj-|ant-(?:api\d{2}-)?|svcacct-)?[A-Za-z0-9_-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex SkKey();

    // password=..., "api_key": "...", secret: ..., pwd=...; in query strings, connection strings, JSON text and YAML.
    [GeneratedRegex(@"(?i)(?<![A-Za-z0-9])[""']?(?:password|passwd|pwd|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|secret[_-]?key)[""']?\s*[:=]\s*[""']?([^\s""',;&}]{1,512})", RegexOptions.CultureInvariant)]
    private static partial Regex SecretField();

    [GeneratedRegex(@"(?i)^(?:password|passwd|pwd|pass|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|token|private[_-]?key|secret[_-]?key|authorization|cookie|credentials?)$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    // Not inside a longer identifier: a correlation id (16 hex digits, a hyphen, 16 digits) or a hash can hold a run of
    // digits that passes the Luhn check.
    [GeneratedRegex(@"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex CardNumber();

    // +1 415 555 0100, (415) 555-0100, 415-555-0100, +44 20 7946 0958
    [GeneratedRegex(@"(?<![\w+]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .-]\d{3,4}[ .-]?\d{3,4}(?![\w]|[ .-]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();
}
