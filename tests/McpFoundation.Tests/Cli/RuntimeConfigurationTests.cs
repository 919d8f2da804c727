using System.Text.Json;

namespace McpFoundation.Tests.Cli;

/// <summary>
/// The garbage collector <c>mcpf</c> runs with, read from the runtime configuration its build writes
/// (<c>mcpf.runtimeconfig.json</c>, copied next to this test assembly by the project reference). The MSBuild property
/// once had a wrong name (<c>ServerGarbageCollector</c>), which MSBuild ignores without a word, and the gateway ran the
/// workstation GC while its documentation said otherwise.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RuntimeConfigurationTests
{
    [Fact]
    public void Mcpf_RunsServerGcWithoutDynamicAdaptation()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "mcpf.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: the test project must reference McpFoundation.Cli.");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.GC.Server", out JsonElement server), "System.GC.Server is not set: check <ServerGarbageCollection> in McpFoundation.Cli.csproj.");
        Assert.True(server.GetBoolean());
        Assert.True(properties.TryGetProperty("System.GC.DynamicAdaptationMode", out JsonElement adaptation), "System.GC.DynamicAdaptationMode is not set: check <GarbageCollectionAdaptationMode> in McpFoundation.Cli.csproj.");
        Assert.Equal(0, adaptation.GetInt32());
    }
}
