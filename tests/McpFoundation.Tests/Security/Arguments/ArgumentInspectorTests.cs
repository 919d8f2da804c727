using System.Collections.ObjectModel;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Json;
using McpFoundation.Configuration;
using McpFoundation.Hosting;
using McpFoundation.Pipeline;
using McpFoundation.Security.Arguments;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tests.Security.Arguments;

[Trait("Category", "Security")]
public sealed class ArgumentInspectorTests : IDisposable
{
    private static readonly ClaimsPrincipal LocalUser = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], "local"));

    private readonly string _root;

    public ArgumentInspectorTests()
    {
        _root = Path.Combine(Path.GetTempPath(), "mcpf-inspect-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_root, "safe"));
        Directory.CreateDirectory(Path.Combine(_root, "safe_evil"));
        File.WriteAllText(Path.Combine(_root, "safe", "a.txt"), "a");
        File.CreateSymbolicLink(Path.Combine(_root, "safe", "etc"), "/etc");
        _root = PathCanonicalizer.CanonicalRoot(_root, resolveSymlinks: true);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task InspectAsync_PathInsideAllowedRoot_IsCleanAndCanonical()
    {
        // Arrange
        var context = Call(ReadFile, """{"path":"safe/./a.txt"}""", Profile(new SecurityProfile { AllowedPaths = ["safe"] }));

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        Assert.True(report.IsClean, string.Join("; ", report.Violations.Select(v => v.Message)));
        Assert.Equal("read", report.Operation);
        var path = Assert.Single(report.Arguments);
        Assert.Equal(Path.Combine(_root, "safe", "a.txt"), path.Canonical);
        Assert.True(path.ReplaceWithCanonical);
        var replaced = report.WithCanonicalArguments(context.Arguments!);
        Assert.Equal(Path.Combine(_root, "safe", "a.txt"), replaced["path"].GetString());
    }

    [Theory]
    [InlineData("../safe_evil/x.txt")]
    [InlineData("safe/../safe_evil/x.txt")]
    [InlineData("safe/etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("safe/%2e%2e/safe_evil/x.txt")]
    [InlineData("safe\\..\\..\\x.txt")]
    public async Task InspectAsync_PathOutsideAllowedRoot_IsRefusedByAllowedPaths(string path)
    {
        // Arrange
        var context = Call(ReadFile, JsonSerializer.Serialize(new { path }), Profile(new SecurityProfile { AllowedPaths = ["safe"] }));

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        var violation = Assert.Single(report.Violations);
        Assert.Equal("servers.fs.security_profile.allowed_paths", violation.Rule);
        Assert.Equal(GatewayErrorCodes.ArgumentRejected, violation.Code);
        Assert.Equal("path", violation.Argument);
        Assert.Contains("outside the allowed paths", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_NestedArrayOfPaths_ChecksEveryItem()
    {
        // Arrange
        var tool = new Tool
        {
            Name = "edit_file",
            InputSchema = Json("""{"type":"object","properties":{"edits":{"type":"array","items":{"type":"object","properties":{"path":{"type":"string"},"text":{"type":"string"}}}},"paths":{"type":"array","items":{"type":"string"}}}}"""),
        };
        var context = Call(tool, """{"edits":[{"path":"safe/a.txt","text":"x"},{"path":"/etc/shadow","text":"y"}],"paths":["safe/a.txt","/root/x"]}""", Profile(new SecurityProfile { AllowedPaths = ["safe"] }));

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        Assert.Equal(["edits/1/path", "paths/1"], report.Violations.Select(v => v.Argument));
        Assert.Equal(["edits/0/path", "edits/1/path", "paths/0", "paths/1"], report.Arguments.Select(a => a.Name));
        var replaced = report.WithCanonicalArguments(context.Arguments!);
        Assert.Equal(Path.Combine(_root, "safe", "a.txt"), replaced["edits"][0].GetProperty("path").GetString());
        Assert.Equal("x", replaced["edits"][0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task InspectAsync_OperationNotAllowed_IsRefusedWithOperationNotAllowed()
    {
        // Arrange
        var context = Call(new Tool { Name = "write_file", InputSchema = Json("""{"type":"object"}""") }, """{"path":"safe/a.txt","content":"x"}""", Profile(new SecurityProfile { AllowedOperations = ["read", "list"] }));

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        var violation = Assert.Single(report.Violations);
        Assert.Equal(GatewayErrorCodes.OperationNotAllowed, violation.Code);
        Assert.Equal("servers.fs.security_profile.allowed_operations", violation.Rule);
        Assert.Equal("write", report.Operation);
        Assert.Contains("tools.write_file.operation", violation.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_ExplicitToolProfile_OverridesOperationAndArgumentKind()
    {
        // Arrange
        var profile = new SecurityProfile
        {
            AllowedOperations = ["read"],
            AllowedPaths = ["safe"],
            Tools = new ReadOnlyDictionary<string, ToolProfile>(new Dictionary<string, ToolProfile>
            {
                ["frobnicate"] = new() { Operation = "read", Arguments = new ReadOnlyDictionary<string, ArgumentKind>(new Dictionary<string, ArgumentKind> { ["target"] = ArgumentKind.Path }) },
            }),
        };
        var context = Call(new Tool { Name = "frobnicate", InputSchema = Json("""{"type":"object"}""") }, """{"target":"/etc/passwd"}""", Profile(profile));

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        Assert.Equal("read", report.Operation);
        Assert.Equal("servers.fs.security_profile.allowed_paths", Assert.Single(report.Violations).Rule);
    }

    [Fact]
    public async Task InspectAsync_FileExtensionNotAllowed_IsRefused_ButListDirectoriesAreExempt()
    {
        // Arrange
        var profile = new SecurityProfile { AllowedFileExtensions = [".txt"] };

        // Act
        var read = await Inspector().InspectAsync(Call(ReadFile, """{"path":"safe/key.PEM"}""", Profile(profile)), CancellationToken.None);
        var readTxt = await Inspector().InspectAsync(Call(ReadFile, """{"path":"safe/A.TXT"}""", Profile(profile)), CancellationToken.None);
        var list = await Inspector().InspectAsync(Call(new Tool { Name = "list_directory", InputSchema = Json("""{"type":"object"}""") }, """{"path":"safe"}""", Profile(profile)), CancellationToken.None);
        var mkdir = await Inspector().InspectAsync(Call(new Tool { Name = "create_directory", InputSchema = Json("""{"type":"object"}""") }, """{"directory":"safe/new"}""", Profile(profile)), CancellationToken.None);

        // Assert
        Assert.Equal("servers.fs.security_profile.allowed_file_extensions", Assert.Single(read.Violations).Rule);
        Assert.True(readTxt.IsClean);
        Assert.True(list.IsClean);
        Assert.True(mkdir.IsClean);
    }

    [Fact]
    public async Task InspectAsync_RequireAuthentication_RefusesAnonymousButNotTheLocalUser()
    {
        // Arrange
        var server = Profile(new SecurityProfile { RequireAuthentication = true });

        // Act
        var anonymous = await Inspector().InspectAsync(Call(ReadFile, """{"path":"safe/a.txt"}""", server, user: new ClaimsPrincipal(new ClaimsIdentity())), CancellationToken.None);
        var local = await Inspector().InspectAsync(Call(ReadFile, """{"path":"safe/a.txt"}""", server), CancellationToken.None);

        // Assert
        var violation = Assert.Single(anonymous.Violations);
        Assert.Equal(GatewayErrorCodes.AuthenticationRequired, violation.Code);
        Assert.Equal("servers.fs.security_profile.require_authentication", violation.Rule);
        Assert.True(local.IsClean);
    }

    [Fact]
    public async Task InspectAsync_UrlToMetadataService_IsRefused_AndAllowedHostsApplies()
    {
        // Arrange
        var fetch = new Tool { Name = "fetch", InputSchema = Json("""{"type":"object","properties":{"target":{"type":"string","format":"uri"}}}""") };
        var server = Profile(new SecurityProfile { AllowedHosts = ["*.example.com"] }, ServerTransport.Http);

        // Act
        var metadata = await Inspector().InspectAsync(Call(fetch, """{"target":"http://169.254.169.254/latest/"}""", server), CancellationToken.None);
        var offList = await Inspector().InspectAsync(Call(fetch, """{"target":"https://evil.test/"}""", server), CancellationToken.None);
        var allowed = await Inspector().InspectAsync(Call(fetch, """{"target":"https://api.example.com/x"}""", server), CancellationToken.None);

        // Assert
        Assert.Equal("servers.fs.security_profile.allowed_hosts", Assert.Single(metadata.Violations).Rule); // not on the list: refused before any lookup
        Assert.Equal("servers.fs.security_profile.allowed_hosts", Assert.Single(offList.Violations).Rule);
        Assert.True(allowed.IsClean, string.Join("; ", allowed.Violations.Select(v => v.Message)));
        Assert.Equal("network", allowed.Operation);
        Assert.Equal("https://api.example.com/x", Assert.Single(allowed.Arguments).Canonical);
    }

    [Fact]
    public async Task InspectAsync_UrlToLoopbackInDecimal_IsRefusedAsPrivate()
    {
        // Arrange
        var fetch = new Tool { Name = "fetch_url", InputSchema = Json("""{"type":"object"}""") };

        // Act
        var report = await Inspector().InspectAsync(Call(fetch, """{"url":"http://2130706433/admin"}""", Profile(new SecurityProfile())), CancellationToken.None);

        // Assert
        var violation = Assert.Single(report.Violations);
        Assert.Equal("url.private_address", violation.Rule);
        Assert.Contains("http://127.0.0.1/admin", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_CommandOfExecuteTool_RefusesMetacharactersAndOptions_UnlessAllowShell()
    {
        // Arrange
        var run = new Tool { Name = "run_command", InputSchema = Json("""{"type":"object"}""") };
        var shell = new SecurityProfile
        {
            Tools = new ReadOnlyDictionary<string, ToolProfile>(new Dictionary<string, ToolProfile> { ["run_command"] = new() { AllowShell = true } }),
        };

        // Act
        var chained = await Inspector().InspectAsync(Call(run, """{"command":"ls; cat /etc/passwd"}""", Profile(new SecurityProfile())), CancellationToken.None);
        var option = await Inspector().InspectAsync(Call(run, """{"command":"git","args":["log","--output=/tmp/x"]}""", Profile(new SecurityProfile())), CancellationToken.None);
        var allowed = await Inspector().InspectAsync(Call(run, """{"command":"ls; cat /etc/passwd"}""", Profile(shell)), CancellationToken.None);
        var notExecute = await Inspector().InspectAsync(Call(new Tool { Name = "write_note", InputSchema = Json("""{"type":"object"}""") }, """{"script":"a; b"}""", Profile(new SecurityProfile())), CancellationToken.None);

        // Assert
        Assert.Equal("command.metacharacter", Assert.Single(chained.Violations).Rule);
        var injection = Assert.Single(option.Violations);
        Assert.Equal("command.option_injection", injection.Rule);
        Assert.Equal("args/1", injection.Argument);
        Assert.True(allowed.IsClean);
        Assert.True(notExecute.IsClean);
    }

    [Fact]
    public async Task InspectAsync_SizeLimits_RefuseTooManyBytesTooLongStringsAndTooDeepNesting()
    {
        // Arrange
        var settings = new GatewaySettings { MaxArgumentBytes = 200, MaxStringLength = 50, MaxArgumentDepth = 3 };
        var inspector = Inspector(settings);
        var tool = new Tool { Name = "write_note", InputSchema = Json("""{"type":"object"}""") };

        // Act
        var bytes = await inspector.InspectAsync(Call(tool, JsonSerializer.Serialize(new { a = new string('x', 300) }), Profile(new SecurityProfile())), CancellationToken.None);
        var length = await inspector.InspectAsync(Call(tool, JsonSerializer.Serialize(new { a = new string('x', 60) }), Profile(new SecurityProfile())), CancellationToken.None);
        var depth = await inspector.InspectAsync(Call(tool, """{"a":[[[["deep"]]]]}""", Profile(new SecurityProfile())), CancellationToken.None);
        var perServer = await inspector.InspectAsync(Call(tool, JsonSerializer.Serialize(new { a = new string('x', 60) }), Profile(new SecurityProfile { MaxStringLength = 100 })), CancellationToken.None);

        // Assert
        Assert.Equal("limits.max_argument_bytes", Assert.Single(bytes.Violations).Rule);
        Assert.Equal("limits.max_string_length", Assert.Single(length.Violations).Rule);
        Assert.Equal("limits.max_argument_depth", Assert.Single(depth.Violations).Rule);
        Assert.Equal("a/0/0/0", depth.Violations[0].Argument);
        Assert.True(perServer.IsClean);
    }

    [Fact]
    public async Task InspectAsync_StrictValidation_NamesTheArgumentThatDoesNotMatchTheSchema()
    {
        // Arrange
        var tool = new Tool
        {
            Name = "read_file",
            InputSchema = Json("""{"type":"object","properties":{"path":{"type":"string"},"limit":{"type":"integer","minimum":1}},"required":["path"]}"""),
        };

        // Act
        var wrongType = await Inspector().InspectAsync(Call(tool, """{"path":"safe/a.txt","limit":"ten"}""", Profile(new SecurityProfile())), CancellationToken.None);
        var missing = await Inspector().InspectAsync(Call(tool, """{"limit":3}""", Profile(new SecurityProfile())), CancellationToken.None);
        var off = await Inspector(new GatewaySettings { EnableStrictValidation = false }).InspectAsync(Call(tool, """{"limit":"ten"}""", Profile(new SecurityProfile())), CancellationToken.None);

        // Assert
        var violation = Assert.Single(wrongType.Violations);
        Assert.Equal(GatewayErrorCodes.ArgumentsInvalid, violation.Code);
        Assert.Equal("limit", violation.Argument);
        Assert.Equal("tool.input_schema", violation.Rule);
        Assert.Contains("required", Assert.Single(missing.Violations).Message, StringComparison.Ordinal);
        Assert.True(off.IsClean);
    }

    [Fact]
    public async Task InspectAsync_StrictValidation_ReadsDraft07Schemas()
    {
        // Arrange
        var tool = new Tool
        {
            Name = "read_file",
            InputSchema = Json("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","definitions":{"p":{"type":"string","maxLength":40}},"properties":{"path":{"$ref":"#/definitions/p"}},"additionalProperties":false}"""),
        };

        // Act
        var ok = await Inspector().InspectAsync(Call(tool, """{"path":"safe/a.txt"}""", Profile(new SecurityProfile())), CancellationToken.None);
        var extra = await Inspector().InspectAsync(Call(tool, """{"path":"safe/a.txt","x":1}""", Profile(new SecurityProfile())), CancellationToken.None);
        var tooLong = await Inspector().InspectAsync(Call(tool, JsonSerializer.Serialize(new { path = new string('a', 41) }), Profile(new SecurityProfile())), CancellationToken.None);

        // Assert
        Assert.True(ok.IsClean, string.Join("; ", ok.Violations.Select(v => v.Message)));
        Assert.NotEmpty(extra.Violations);
        Assert.Equal("path", Assert.Single(tooLong.Violations).Argument);
    }

    [Fact]
    public async Task InspectAsync_InvalidSchemaFromTheServer_FailsClosedOnlyWhenStrict()
    {
        // Arrange
        var tool = new Tool { Name = "read_file", InputSchema = Json("""{"type":"object","properties":{"path":{"type":"no-such-type"}}}""") };

        // Act
        var strict = await Inspector().InspectAsync(Call(tool, """{"path":"safe/a.txt"}""", Profile(new SecurityProfile())), CancellationToken.None);
        var lax = await Inspector(new GatewaySettings { EnableStrictValidation = false }).InspectAsync(Call(tool, """{"path":"safe/a.txt"}""", Profile(new SecurityProfile())), CancellationToken.None);

        // Assert
        var violation = Assert.Single(strict.Violations);
        Assert.Equal(GatewayErrorCodes.ArgumentsInvalid, violation.Code);
        Assert.Contains("cannot use", violation.Message, StringComparison.Ordinal);
        Assert.True(lax.IsClean);
    }

    [Fact]
    public async Task InspectAsync_HttpServer_ChecksPathsLexicallyAndRefusesRelativeOnes()
    {
        // Arrange
        var server = Profile(new SecurityProfile { AllowedPaths = [Path.Combine(_root, "safe")] }, ServerTransport.Http);

        // Act: the symlink safe/etc is not followed (the file system is the remote server's), a relative path has no base.
        var link = await Inspector().InspectAsync(Call(ReadFile, JsonSerializer.Serialize(new { path = Path.Combine(_root, "safe", "etc", "passwd") }), server), CancellationToken.None);
        var relative = await Inspector().InspectAsync(Call(ReadFile, """{"path":"a.txt"}""", server), CancellationToken.None);

        // Assert
        Assert.True(link.IsClean);
        Assert.Equal("path.relative", Assert.Single(relative.Violations).Rule);
    }

    [Fact]
    public async Task InspectAsync_FileUrlInAnyArgument_IsAPath()
    {
        // Arrange
        var context = Call(new Tool { Name = "summarize", InputSchema = Json("""{"type":"object"}""") }, """{"input":"file:///etc/passwd"}""", Profile(new SecurityProfile { AllowedPaths = ["safe"] }));

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        Assert.Equal(ArgumentKind.Path, Assert.Single(report.Arguments).Kind);
        Assert.Equal("servers.fs.security_profile.allowed_paths", Assert.Single(report.Violations).Rule);
    }

    [Fact]
    public async Task InspectAsync_NotAToolCall_ChecksOnlyAuthentication()
    {
        // Arrange
        var context = new OperationContext(OperationCategory.ResourceRead, "resources/read") { User = new ClaimsPrincipal(new ClaimsIdentity()) };
        context.Resolve("file:///x", "fs", "file:///x", new OperationTarget { ServerId = "fs", Server = Profile(new SecurityProfile { RequireAuthentication = true }) });

        // Act
        var report = await Inspector().InspectAsync(context, CancellationToken.None);

        // Assert
        Assert.Equal(GatewayErrorCodes.AuthenticationRequired, Assert.Single(report.Violations).Code);
        Assert.Null(report.Operation);
    }

    private static Tool ReadFile { get; } = new()
    {
        Name = "read_file",
        InputSchema = Json("""{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}"""),
    };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static ArgumentInspector Inspector(GatewaySettings? settings = null) =>
        new(new GatewayConfigurationProvider(new GatewayConfiguration { Settings = settings ?? new GatewaySettings() }), new FixedResolver(), TimeProvider.System);

    private ServerDefinition Profile(SecurityProfile profile, ServerTransport transport = ServerTransport.Stdio) => new()
    {
        Name = "fs",
        Transport = transport,
        Command = transport == ServerTransport.Stdio ? ["server"] : [],
        Url = transport == ServerTransport.Stdio ? null : new Uri("https://fs.example.com/mcp"),
        BaseDirectory = _root,
        SecurityProfile = profile,
    };

    private static OperationContext Call(Tool tool, string arguments, ServerDefinition server, ClaimsPrincipal? user = null)
    {
        var context = new OperationContext(OperationCategory.ToolExecution, "tools/call") { User = user ?? LocalUser };
        context.Resolve("fs__" + tool.Name, server.Name, tool.Name, new OperationTarget { ServerId = server.Name, Server = server, Tool = tool });
        context.SetClientArguments(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        return context;
    }

    private sealed class FixedResolver : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            host.EndsWith(".example.com", StringComparison.Ordinal) ? Task.FromResult(new[] { IPAddress.Parse("93.184.215.14") })
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}
