using McpFoundation.Security.Arguments;

namespace McpFoundation.Tests.Security.Arguments;

[Trait("Category", "Security")]
public sealed class PathCanonicalizerTests : IDisposable
{
    private readonly string _root;
    private readonly PathContext _lexical = new("/srv/work", ResolveSymlinks: false, HomeDirectory: "/home/gw");

    public PathCanonicalizerTests()
    {
        _root = Path.Combine(Path.GetTempPath(), "mcpf-paths-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_root, "safe", "sub"));
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.WriteAllText(Path.Combine(_root, "safe", "a.txt"), "a");
        File.WriteAllText(Path.Combine(_root, "outside", "secret.txt"), "s");
        File.CreateSymbolicLink(Path.Combine(_root, "safe", "link"), Path.Combine(_root, "outside"));
        File.CreateSymbolicLink(Path.Combine(_root, "safe", "rel"), "../outside/secret.txt");
        File.CreateSymbolicLink(Path.Combine(_root, "safe", "loop1"), Path.Combine(_root, "safe", "loop2"));
        File.CreateSymbolicLink(Path.Combine(_root, "safe", "loop2"), Path.Combine(_root, "safe", "loop1"));
        _root = PathCanonicalizer.CanonicalRoot(_root, resolveSymlinks: true); // /tmp may itself be a link
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("/srv/data/a.txt", "/srv/data/a.txt")]
    [InlineData("/srv/data/../../etc/passwd", "/etc/passwd")]
    [InlineData("/srv/./data//a.txt", "/srv/data/a.txt")]
    [InlineData("a.txt", "/srv/work/a.txt")]
    [InlineData("../etc/passwd", "/srv/etc/passwd")]
    [InlineData("%2e%2e/%2e%2e/etc/passwd", "/etc/passwd")]
    [InlineData("%2E%2E%2Fsecret", "/srv/secret")]
    [InlineData("/srv/data/caf%C3%A9.txt", "/srv/data/café.txt")]
    [InlineData("\uFF0E\uFF0E\uFF0F\uFF0E\uFF0E\uFF0Fetc\uFF0Fpasswd", "/etc/passwd")]
    [InlineData("/srv/data/\uFF0E\uFF0E/\uFF0E\uFF0E/root", "/root")]
    [InlineData("..\\..\\etc\\passwd", "/etc/passwd")]
    [InlineData("/srv\\data\\..\\x", "/srv/x")]
    [InlineData("\uFF3Csrv\uFF3Cx", "/srv/x")]
    [InlineData("~", "/home/gw")]
    [InlineData("~/notes.txt", "/home/gw/notes.txt")]
    [InlineData("file:///etc/passwd", "/etc/passwd")]
    [InlineData("file://localhost/srv/a%20b.txt", "/srv/a b.txt")]
    [InlineData("file:/srv/../etc/shadow", "/etc/shadow")]
    [InlineData("FILE:///srv/x", "/srv/x")]
    [InlineData("/../../..", "/")]
    public void Canonicalize_Spelling_GivesTheOnePathItNames(string raw, string expected)
    {
        // Act
        var result = PathCanonicalizer.Canonicalize(raw, _lexical);

        // Assert
        Assert.False(result.IsRefused, result.Message);
        Assert.Equal(expected, result.Canonical);
    }

    [Theory]
    [InlineData("/srv/a.txt\0.png", "path.nul_byte")]
    [InlineData("/srv/a.txt%00.png", "path.nul_byte")]
    [InlineData("%252e%252e/%252e%252e/etc/passwd", "path.encoding")]
    [InlineData("/srv/%25%32%65", "path.encoding")]
    [InlineData("/srv/%c0%af..%c0%afetc", "path.encoding")]
    [InlineData("/srv/%c0%ae%c0%ae/etc", "path.encoding")]
    [InlineData("/srv/%ff", "path.encoding")]
    [InlineData("/srv/\u2215etc", "path.lookalike")]
    [InlineData("..\u2044..\u2044etc", "path.lookalike")]
    [InlineData("C:\\Windows\\system.ini", "path.windows_drive")]
    [InlineData("c:/windows", "path.windows_drive")]
    [InlineData("\\\\host\\share\\file.txt", "path.unc")]
    [InlineData("//host/share/file.txt", "path.unc")]
    [InlineData("\\\\?\\C:\\x", "path.unc")]
    [InlineData("file://evil.example/etc/passwd", "path.unc")]
    [InlineData("/srv/file.txt::$DATA", "path.alternate_stream")]
    [InlineData("/srv/file.txt:$DATA", "path.alternate_stream")]
    [InlineData("~root/.ssh/id_rsa", "path.home_directory")]
    [InlineData("/srv/a\nb", "path.control_character")]
    [InlineData("", "path.empty")]
    [InlineData("   ", "path.empty")]
    public void Canonicalize_RefusedSpelling_NamesItsRule(string raw, string rule)
    {
        // Act
        var result = PathCanonicalizer.Canonicalize(raw, _lexical);

        // Assert
        Assert.True(result.IsRefused, $"accepted as {result.Canonical}");
        Assert.Equal(rule, result.Rule);
        Assert.False(string.IsNullOrWhiteSpace(result.Hint));
    }

    [Fact]
    public void Canonicalize_RelativeWithoutWorkingDirectory_IsRefused()
    {
        // Act
        var result = PathCanonicalizer.Canonicalize("data/a.txt", new PathContext(null, false, "/home/gw"));

        // Assert
        Assert.Equal("path.relative", result.Rule);
    }

    [Fact]
    public void Canonicalize_SymlinkToOutside_ResolvesToTheRealPath()
    {
        // Act
        var result = PathCanonicalizer.Canonicalize(Path.Combine(_root, "safe", "link", "secret.txt"), Real());

        // Assert
        Assert.Equal(Path.Combine(_root, "outside", "secret.txt"), result.Canonical);
        Assert.Contains("symlink", result.Note, StringComparison.Ordinal);
        Assert.False(PathCanonicalizer.IsInside(result.Canonical!, Path.Combine(_root, "safe")));
    }

    [Fact]
    public void Canonicalize_RelativeSymlink_ResolvesAgainstItsDirectory()
    {
        // Act
        var result = PathCanonicalizer.Canonicalize("safe/rel", Real());

        // Assert
        Assert.Equal(Path.Combine(_root, "outside", "secret.txt"), result.Canonical);
    }

    [Fact]
    public void Canonicalize_DotDotAfterSymlink_IsTheTargetsParent()
    {
        // Act: the kernel resolves link first, then .., so safe/link/.. is the parent of "outside", not "safe".
        var result = PathCanonicalizer.Canonicalize(Path.Combine(_root, "safe", "link") + "/../outside/secret.txt", Real());

        // Assert
        Assert.Equal(Path.Combine(_root, "outside", "secret.txt"), result.Canonical);
    }

    [Fact]
    public void Canonicalize_MissingLeafUnderSymlinkedParent_ResolvesTheParentChain()
    {
        // Act
        var result = PathCanonicalizer.Canonicalize(Path.Combine(_root, "safe", "link", "new", "file.txt"), Real());

        // Assert
        Assert.Equal(Path.Combine(_root, "outside", "new", "file.txt"), result.Canonical);
    }

    [Fact]
    public void Canonicalize_SymlinkLoop_IsRefused()
    {
        // Act
        var result = PathCanonicalizer.Canonicalize(Path.Combine(_root, "safe", "loop1", "x"), Real());

        // Assert
        Assert.Equal("path.symlink_loop", result.Rule);
    }

    [Fact]
    public void Canonicalize_LexicalMode_DoesNotFollowSymlinks()
    {
        // Act
        var result = PathCanonicalizer.Canonicalize(Path.Combine(_root, "safe", "link", "secret.txt"), new PathContext(null, false, "/home/gw"));

        // Assert
        Assert.Equal(Path.Combine(_root, "safe", "link", "secret.txt"), result.Canonical);
    }

    [Theory]
    [InlineData("/safe", "/safe", true)]
    [InlineData("/safe/a/b", "/safe", true)]
    [InlineData("/safe_evil", "/safe", false)]
    [InlineData("/safe_evil/x", "/safe", false)]
    [InlineData("/safeguard", "/safe/", false)]
    [InlineData("/safe/x", "/safe/", true)]
    [InlineData("/anything", "/", true)]
    [InlineData("/", "/safe", false)]
    public void IsInside_ComparesWholeSegments(string path, string root, bool inside) =>
        Assert.Equal(inside, PathCanonicalizer.IsInside(path, root));

    private PathContext Real() => new(_root, ResolveSymlinks: true, HomeDirectory: "/home/gw");
}
