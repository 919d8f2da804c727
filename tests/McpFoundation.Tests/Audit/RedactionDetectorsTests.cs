using System.Text.Json;
using McpFoundation.Audit.Redaction;

namespace McpFoundation.Tests.Audit;

/// <summary>Each detector of the table finds its secret or PII and leaves look-alikes alone; JSON keeps its shape.</summary>
[Trait("Category", "Unit")]
[Trait("Category", "Security")]
public sealed class RedactionDetectorsTests
{
    [Theory]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "private_key")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----", "private_key")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt")]
    [InlineData("postgres://app:hunter2pass@db.internal:5432/app", "connection_string_password")]
    [InlineData("Authorization: Bearer abcdefghijklmnopqrstuvwx.yz", "bearer_token")]
    [InlineData("AKIAIOSFODNN7EXAMPLE", "aws_access_key")]
    [InlineData("ghp_0123456789abcdefghijABCDEFGHIJ0123456789", "github_token")]
    [InlineData("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_token")]
    [InlineData("xoxb-1234567890-abcdefghij", "slack_token")]
    [InlineData("AIzaSyA-1234567890abcdefghijklmnopqrstu", "google_api_key")]
    [InlineData("sk_live_0123456789abcdefABCD", "stripe_key")]
    [InlineData("sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789", "api_key")]
    [InlineData("sk-ant-api03-Abcdefghijklmnopqrstuvwxyz", "api_key")]
    [InlineData("Server=db;User Id=sa;Password=Sup3rS3cret;", "secret_field")]
    [InlineData("{\"api_key\": \"abc123def456\"}", "secret_field")]
    [InlineData("mail alice@example.com now", "email")]
    [InlineData("card 4111 1111 1111 1111 ok", "card_number")]
    [InlineData("call +1 415 555 0100 today", "phone")]
    [InlineData("call (415) 555-0100 today", "phone")]
    public void Redact_KnownSecretOrPii_ReplacedWithItsName(string text, string detector)
    {
        string redacted = Redactor.Default.Redact(text);

        Assert.Contains($"[REDACTED:{detector}]", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("card 4111 1111 1111 1112 is not valid")] // fails the Luhn check
    [InlineData("an ordinary sentence about skies and tokens")]
    [InlineData("version 1.2.3 build 20261201")]
    [InlineData("correlation b155e38466853d17-0000000000000001 forwarded")] // 17-0000000000000001 passes the Luhn check
    [InlineData("sha 4f3d170000000000000001aa")] // a run of digits inside a hash
    public void Redact_LookAlike_LeftAlone(string text)
    {
        Assert.Same(text, Redactor.Default.Redact(text));
    }

    [Fact]
    public void Create_WithoutPii_KeepsEmailsButStillRedactsSecrets()
    {
        Redactor redactor = Redactor.Create([], null);

        Assert.Equal("alice@example.com [REDACTED:aws_access_key]", redactor.Redact("alice@example.com AKIAIOSFODNN7EXAMPLE"));
    }

    [Fact]
    public void Redact_SameAndOtherTextsInTurn_EachGetsItsOwnResult()
    {
        // The last result is kept by instance; texts that come in turn must never get each other's result.
        Redactor redactor = Redactor.Create([], null);
        string secret = "stopped: AKIAIOSFODNN7EXAMPLE leaked";
        string plain = "stopped: nothing to hide here";
        string sameTextOtherInstance = new([.. secret]);

        Assert.Equal("stopped: [REDACTED:aws_access_key] leaked", redactor.Redact(secret));
        Assert.Equal("stopped: [REDACTED:aws_access_key] leaked", redactor.Redact(secret));
        Assert.Same(plain, redactor.Redact(plain));
        Assert.Equal("stopped: [REDACTED:aws_access_key] leaked", redactor.Redact(sameTextOtherInstance));
        Assert.Same(plain, redactor.Redact(plain));
    }

    [Fact]
    public void Create_ExtraPattern_Redacted()
    {
        Redactor redactor = Redactor.Create([], new Dictionary<string, string> { ["employee_id"] = @"\bEMP-\d{6}\b" });

        Assert.Equal("user [REDACTED:employee_id]", redactor.Redact("user EMP-123456"));
    }

    [Fact]
    public void RedactArguments_SecretNamedFieldAndNestedStrings_ValidJsonWithSecretsGone()
    {
        var arguments = new Dictionary<string, JsonElement>
        {
            ["password"] = JsonSerializer.SerializeToElement("hunter2"),
            ["config"] = JsonSerializer.SerializeToElement(new { token = "t0ps3cret", note = "mail bob@example.com" }),
            ["count"] = JsonSerializer.SerializeToElement(3),
        };

        string json = Redactor.Default.RedactArguments(arguments)!;
        using JsonDocument document = JsonDocument.Parse(json);

        Assert.Equal("[REDACTED:secret_field]", document.RootElement.GetProperty("password").GetString());
        Assert.Equal("[REDACTED:secret_field]", document.RootElement.GetProperty("config").GetProperty("token").GetString());
        Assert.Equal("mail [REDACTED:email]", document.RootElement.GetProperty("config").GetProperty("note").GetString());
        Assert.Equal(3, document.RootElement.GetProperty("count").GetInt32());
        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("378282246310005", true)]
    [InlineData("123", false)]
    public void PassesLuhn_KnownNumbers(string digits, bool expected) => Assert.Equal(expected, RedactionDetectors.PassesLuhn(digits));
}
