using McpFoundation.AspNetCore.Http;
using McpFoundation.AspNetCore.Security;

namespace McpFoundation.Tests.Security;

[Trait("Category", "Security")]
public sealed class OriginAndHostValidatorTests
{
    private readonly OriginAndHostValidator _validator = new(new McpFoundationHttpOptions());

    [Theory]
    [InlineData("127.0.0.1:8080")]
    [InlineData("localhost:8080")]
    [InlineData("LOCALHOST")]
    [InlineData("[::1]:8080")]
    public void Validate_LoopbackHostWithoutOrigin_Allows(string host)
    {
        Assert.Null(_validator.Validate(host, origin: null));
    }

    [Theory]
    [InlineData("evil.example.com")]
    [InlineData("evil.example.com:8080")]
    [InlineData("127.0.0.1.evil.example.com")]
    [InlineData("localhost.evil.com:80")]
    public void Validate_ForeignHost_RefusesNamingTheHost(string host)
    {
        string? reason = _validator.Validate(host, origin: null);

        Assert.NotNull(reason);
        Assert.Contains("not allowed", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingHost_Refuses()
    {
        Assert.NotNull(_validator.Validate(null, null));
    }

    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("http://127.0.0.1:5173")]
    [InlineData("https://[::1]")]
    public void Validate_LoopbackOrigin_Allows(string origin)
    {
        Assert.Null(_validator.Validate("127.0.0.1:8080", origin));
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("http://localhost.evil.com")]
    [InlineData("null")]
    [InlineData("file://")]
    public void Validate_ForeignOrigin_Refuses(string origin)
    {
        Assert.NotNull(_validator.Validate("127.0.0.1:8080", origin));
    }

    [Fact]
    public void Validate_ConfiguredHostAndOrigin_Allows()
    {
        var options = new McpFoundationHttpOptions { AllowLoopbackOrigins = false };
        options.AllowedHosts.Add("gateway.internal");
        options.AllowedOrigins.Add("https://app.internal/");
        var validator = new OriginAndHostValidator(options);

        Assert.Null(validator.Validate("gateway.internal:443", "https://app.internal"));
        Assert.NotNull(validator.Validate("gateway.internal:443", "http://localhost:3000"));
    }
}
