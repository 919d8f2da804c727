using System.Net;
using System.Net.Sockets;
using McpFoundation.Security.Arguments;

namespace McpFoundation.Tests.Security.Arguments;

[Trait("Category", "Security")]
public sealed class UrlCanonicalizerTests
{
    private static readonly UrlRules Default = new(UrlRules.DefaultSchemes, [], false, "servers.web.security_profile.allowed_hosts", "url.scheme");

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://0x7f.0x0.0x0.0x1/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://017700000001/")]
    [InlineData("http://0177.1/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://[0:0:0:0:0:ffff:127.0.0.1]/")]
    [InlineData("http://10.0.0.5/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://172.31.255.255/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://169.254.10.10/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://100.127.255.254/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://0/")]
    [InlineData("http://[::]/")]
    [InlineData("http://224.0.0.1/")]
    [InlineData("http://255.255.255.255/")]
    [InlineData("http://[fc00::1]/")]
    [InlineData("http://[fd12:3456::1]/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[ff02::1]/")]
    [InlineData("http://[64:ff9b::a00:1]/")]
    [InlineData("https://127.0.0.1:8443/x")]
    [InlineData("http://127.0.0.1./")]
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST:8080/")]
    [InlineData("http://api.localhost/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    public async Task CheckAsync_PrivateAddressInAnySpelling_IsRefused(string url)
    {
        // Act
        var result = await new UrlCanonicalizer(new MapResolver(), TimeProvider.System).CheckAsync(url, Default, CancellationToken.None);

        // Assert
        Assert.Equal("url.private_address", result.Rule);
    }

    [Theory]
    [InlineData("http://2130706433/", "http://127.0.0.1/")]
    [InlineData("http://0x7f000001:8080/a?b=c#d", "http://127.0.0.1:8080/a?b=c#d")]
    [InlineData("HTTP://Example.COM/Path", "http://example.com/Path")]
    [InlineData("https://example.com:443/", "https://example.com/")]
    [InlineData("http://bücher.example/", "http://xn--bcher-kva.example/")]
    public void Parse_Spelling_GivesTheCanonicalUrl(string url, string canonical)
    {
        // Act
        var parsed = UrlCanonicalizer.Parse(url, Default);

        // Assert
        Assert.Null(parsed.Result);
        Assert.Equal(canonical, parsed.Canonical);
    }

    [Theory]
    [InlineData("http://a@evil@allowed.example/", "url.userinfo")]
    [InlineData("http://allowed.example@evil.example/", "url.userinfo")]
    [InlineData("http://user:pass@api.example.com/", "url.userinfo")]
    [InlineData("http://allowed.example\\@evil.example/", "url.syntax")]
    [InlineData("ftp://example.com/", "url.scheme")]
    [InlineData("file:///etc/passwd", "url.scheme")]
    [InlineData("gopher://example.com/", "url.scheme")]
    [InlineData("javascript:alert(1)", "url.scheme")]
    [InlineData("http:example.com", "url.syntax")]
    [InlineData("//example.com/x", "url.syntax")]
    [InlineData("http://exa mple.com/", "url.syntax")]
    [InlineData("http://example.com/\n", "url.syntax")]
    [InlineData("http://%31%32%37.0.0.1/", "url.syntax")]
    [InlineData("http://[fe80::1%25eth0]/", "url.syntax")]
    [InlineData("http://1.2.3.999/", "url.syntax")]
    [InlineData("http://08.0.0.1/", "url.syntax")]
    [InlineData("http:///path", "url.syntax")]
    public async Task CheckAsync_Trick_IsRefusedWithItsRule(string url, string rule)
    {
        // Act
        var result = await new UrlCanonicalizer(new MapResolver(), TimeProvider.System).CheckAsync(url, Default, CancellationToken.None);

        // Assert
        Assert.Equal(rule, result.Rule);
        Assert.False(string.IsNullOrWhiteSpace(result.Hint));
    }

    [Fact]
    public async Task CheckAsync_NameResolvingToAPrivateAddress_IsRefused()
    {
        // Arrange
        var resolver = new MapResolver { ["rebind.example"] = [IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.1.2.3")] };

        // Act
        var result = await new UrlCanonicalizer(resolver, TimeProvider.System).CheckAsync("https://rebind.example/", Default, CancellationToken.None);

        // Assert
        Assert.Equal("url.private_address", result.Rule);
        Assert.Contains("10.1.2.3", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_PublicName_IsAcceptedWithItsAddresses()
    {
        // Arrange
        var resolver = new MapResolver { ["api.example.com"] = [IPAddress.Parse("93.184.215.14")] };

        // Act
        var result = await new UrlCanonicalizer(resolver, TimeProvider.System).CheckAsync("https://API.example.com/v1", Default, CancellationToken.None);

        // Assert
        Assert.False(result.IsRefused, result.Message);
        Assert.Equal("https://api.example.com/v1", result.Canonical);
        Assert.Contains("93.184.215.14", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_UnresolvableName_IsRefused()
    {
        // Act
        var result = await new UrlCanonicalizer(new MapResolver(), TimeProvider.System).CheckAsync("https://nowhere.example/", Default, CancellationToken.None);

        // Assert
        Assert.Equal("url.unresolvable", result.Rule);
    }

    [Fact]
    public async Task CheckAsync_ResolverSlowerThanTheBudget_IsRefused()
    {
        // Arrange
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var resolver = new HangingResolver();
        var check = new UrlCanonicalizer(resolver, time).CheckAsync("https://slow.example/", Default, CancellationToken.None).AsTask();
        await resolver.Started.Task.WaitAsync(CancellationToken.None);

        // Act
        time.Advance(UrlCanonicalizer.ResolveBudget);
        var result = await check.WaitAsync(CancellationToken.None);

        // Assert
        Assert.Equal("url.unresolvable", result.Rule);
    }

    [Fact]
    public async Task CheckAsync_AllowPrivateNetwork_AcceptsLoopbackWithoutResolving()
    {
        // Arrange
        var rules = Default with { AllowPrivateNetwork = true };

        // Act
        var result = await new UrlCanonicalizer(new MapResolver(), TimeProvider.System).CheckAsync("http://localhost:8080/", rules, CancellationToken.None);

        // Assert
        Assert.False(result.IsRefused, result.Message);
    }

    [Theory]
    [InlineData("https://api.example.com/", true)]
    [InlineData("https://a.b.example.org/", true)]
    [InlineData("https://example.org/", false)]
    [InlineData("https://evilexample.org/", false)]
    [InlineData("https://api.example.com.evil.net/", false)]
    [InlineData("https://other.example.com/", false)]
    public async Task CheckAsync_AllowedHosts_MatchesGlobsBySuffixOfWholeLabels(string url, bool allowed)
    {
        // Arrange
        var rules = Default with { HostGlobs = ["api.example.com", "*.example.org"] };
        var resolver = new MapResolver { [new Uri(url).IdnHost] = [IPAddress.Parse("93.184.215.14")] };

        // Act
        var result = await new UrlCanonicalizer(resolver, TimeProvider.System).CheckAsync(url, rules, CancellationToken.None);

        // Assert
        Assert.Equal(allowed ? null : "servers.web.security_profile.allowed_hosts", result.Rule);
    }

    [Theory]
    [InlineData("8.8.8.8", null)]
    [InlineData("93.184.215.14", null)]
    [InlineData("172.32.0.1", null)]
    [InlineData("100.128.0.1", null)]
    [InlineData("2606:4700::1111", null)]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("fd00:ec2::254", "cloud metadata")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    public void Classify_Address_NamesItsKind(string address, string? kind) =>
        Assert.Equal(kind, PrivateAddresses.Classify(IPAddress.Parse(address)));

    private sealed class MapResolver : Dictionary<string, IPAddress[]>, IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }

    private sealed class HangingResolver : IHostResolver
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            return new TaskCompletionSource<IPAddress[]>().Task; // never answers; only the budget ends it
        }
    }
}
