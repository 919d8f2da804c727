using McpFoundation.Security.Arguments;
using ModelContextProtocol.Protocol;

namespace McpFoundation.Tests.Security.Arguments;

[Trait("Category", "Unit")]
public sealed class ClassificationTests
{
    [Theory]
    [InlineData("read_file", "read")]
    [InlineData("read_text_file", "read")]
    [InlineData("get_file_info", "read")]
    [InlineData("search_files", "read")]
    [InlineData("viewImage", "read")]
    [InlineData("list_directory", "list")]
    [InlineData("list_allowed_directories", "list")]
    [InlineData("directory_tree", "list")]
    [InlineData("ls", "list")]
    [InlineData("write_file", "write")]
    [InlineData("edit_file", "write")]
    [InlineData("create_directory", "write")]
    [InlineData("move_file", "write")]
    [InlineData("appendLog", "write")]
    [InlineData("delete_file", "delete")]
    [InlineData("rm", "delete")]
    [InlineData("get_and_delete", "delete")]
    [InlineData("run_command", "execute")]
    [InlineData("shell", "execute")]
    [InlineData("evalPython", "execute")]
    [InlineData("fetch_url", "network")]
    [InlineData("http_request", "network")]
    [InlineData("frobnicate", "write")]
    public void Classify_ByName(string name, string expected) =>
        Assert.Equal(expected, OperationClassifier.Classify(name, new Tool { Name = name }, null, hasUrlArguments: false).Operation);

    [Fact]
    public void Classify_ReadOnlyHint_IsReadUnlessTheNameSaysList()
    {
        var annotations = new ToolAnnotations { ReadOnlyHint = true };
        Assert.Equal("read", OperationClassifier.Classify("frobnicate", new Tool { Name = "frobnicate", Annotations = annotations }, null, false).Operation);
        Assert.Equal("list", OperationClassifier.Classify("list_things", new Tool { Name = "list_things", Annotations = annotations }, null, false).Operation);
        Assert.Equal("read", OperationClassifier.Classify("write_cache", new Tool { Name = "write_cache", Annotations = annotations }, null, false).Operation);
    }

    [Fact]
    public void Classify_DestructiveHint_IsDeleteOrWrite()
    {
        var annotations = new ToolAnnotations { DestructiveHint = true, ReadOnlyHint = false };
        Assert.Equal("write", OperationClassifier.Classify("frobnicate", new Tool { Name = "frobnicate", Annotations = annotations }, null, false).Operation);
        Assert.Equal("delete", OperationClassifier.Classify("purge_and_remove", new Tool { Name = "purge_and_remove", Annotations = annotations }, null, false).Operation);
    }

    [Fact]
    public void Classify_OpenWorldWithUrlArguments_IsNetwork()
    {
        var tool = new Tool { Name = "get_page", Annotations = new ToolAnnotations { OpenWorldHint = true, ReadOnlyHint = true } };
        Assert.Equal("network", OperationClassifier.Classify("get_page", tool, null, hasUrlArguments: true).Operation);
        Assert.Equal("read", OperationClassifier.Classify("get_page", tool, null, hasUrlArguments: false).Operation);
    }

    [Fact]
    public void Classify_ExecuteName_WinsOverAHarmlessAnnotation()
    {
        var tool = new Tool { Name = "run_command", Annotations = new ToolAnnotations { ReadOnlyHint = true } };
        Assert.Equal("execute", OperationClassifier.Classify("run_command", tool, null, false).Operation);
    }

    [Fact]
    public void Classify_Description_WhenTheNameSaysNothing()
    {
        var tool = new Tool { Name = "frobnicate", Description = "Reads the contents of a note. Never deletes anything." };
        Assert.Equal("read", OperationClassifier.Classify("frobnicate", tool, null, false).Operation);
    }

    [Fact]
    public void Classify_ExplicitProfileOperation_Overrides()
    {
        var (operation, source) = OperationClassifier.Classify("run_command", new Tool { Name = "run_command" }, "read", false);
        Assert.Equal("read", operation);
        Assert.Equal("security_profile.tools", source);
    }

    [Theory]
    [InlineData("path", ArgumentKind.Path)]
    [InlineData("source_path", ArgumentKind.Path)]
    [InlineData("filePath", ArgumentKind.Path)]
    [InlineData("FILE", ArgumentKind.Path)]
    [InlineData("filename", ArgumentKind.Path)]
    [InlineData("destination", ArgumentKind.Path)]
    [InlineData("targetDir", ArgumentKind.Path)]
    [InlineData("workdir", ArgumentKind.Path)]
    [InlineData("root", ArgumentKind.Path)]
    [InlineData("paths", ArgumentKind.Path)]
    [InlineData("directories", ArgumentKind.Path)]
    [InlineData("url", ArgumentKind.Url)]
    [InlineData("baseURL", ArgumentKind.Url)]
    [InlineData("webhook_endpoint", ArgumentKind.Url)]
    [InlineData("href", ArgumentKind.Url)]
    [InlineData("urls", ArgumentKind.Url)]
    [InlineData("command", ArgumentKind.Command)]
    [InlineData("cmd", ArgumentKind.Command)]
    [InlineData("args", ArgumentKind.Command)]
    [InlineData("script", ArgumentKind.Command)]
    [InlineData("content", null)]
    [InlineData("profile", null)]
    [InlineData("resource", null)]
    [InlineData("commands", null)]
    public void FromName_LastWordDecides(string name, ArgumentKind? expected) =>
        Assert.Equal(expected, ArgumentKinds.FromName(name));

    [Theory]
    [InlineData("""{"type":"string","format":"uri"}""", ArgumentKind.Url)]
    [InlineData("""{"type":"string","format":"uri-reference"}""", ArgumentKind.Url)]
    [InlineData("""{"type":"string","format":"iri"}""", ArgumentKind.Url)]
    [InlineData("""{"type":"string","format":"date-time"}""", null)]
    [InlineData("""{"type":"string"}""", null)]
    public void FromSchema_Format(string schema, ArgumentKind? expected) =>
        Assert.Equal(expected, ArgumentKinds.FromSchema(System.Text.Json.JsonDocument.Parse(schema).RootElement));

    [Theory]
    [InlineData("ls; rm -rf /")]
    [InlineData("cat a | sh")]
    [InlineData("a && b")]
    [InlineData("echo $(id)")]
    [InlineData("echo ${HOME}")]
    [InlineData("echo `id`")]
    [InlineData("echo x > /etc/passwd")]
    [InlineData("sh < script")]
    [InlineData("ls\nrm x")]
    [InlineData("ls\rrm x")]
    public void CommandChecker_Metacharacter_IsRefused(string value) =>
        Assert.Equal("command.metacharacter", CommandChecker.Check(value).Rule);

    [Theory]
    [InlineData("-rf")]
    [InlineData("--output=/etc/passwd")]
    [InlineData("  -x")]
    public void CommandChecker_LeadingDash_IsOptionInjection(string value) =>
        Assert.Equal("command.option_injection", CommandChecker.Check(value).Rule);

    [Theory]
    [InlineData("ls -la /srv")]
    [InlineData("git status")]
    [InlineData("price is $5")]
    public void CommandChecker_PlainCommand_IsAccepted(string value) =>
        Assert.False(CommandChecker.Check(value).IsRefused);
}
