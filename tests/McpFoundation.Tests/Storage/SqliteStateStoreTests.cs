using McpFoundation.Configuration;
using McpFoundation.Storage;
using Microsoft.Extensions.Time.Testing;

namespace McpFoundation.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class SqliteStateStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mcpf-state-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Entries_are_written_versioned_listed_by_prefix_and_deleted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new SqliteStateStore(_directory, time);
        Assert.Null(await store.GetAsync("emergency/state"));

        var first = await store.SetAsync("emergency/state", """{"active":true}""");
        time.Advance(TimeSpan.FromSeconds(5));
        var second = await store.SetAsync("emergency/state", """{"active":false}""");
        await store.SetAsync("integrity/pin/a", "{}");

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal(time.GetUtcNow(), second.UpdatedAt);
        var read = await store.GetAsync("emergency/state");
        Assert.Equal("""{"active":false}""", read!.Value);
        Assert.Equal(["emergency/state"], (await store.ListAsync("emergency/")).Select(entry => entry.Key));
        Assert.True(await store.DeleteAsync("emergency/state"));
        Assert.False(await store.DeleteAsync("emergency/state"));
        Assert.Null(await store.GetAsync("emergency/state"));
    }

    [Fact]
    public async Task Two_stores_on_one_directory_see_each_others_writes_and_the_files_are_owner_only()
    {
        var writer = new SqliteStateStore(_directory, TimeProvider.System);
        var reader = new SqliteStateStore(_directory, TimeProvider.System);
        await writer.SetAsync("k", "1");
        Assert.Equal("1", (await reader.GetAsync("k"))!.Value);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(writer.DatabasePath));
        }
    }

    [Fact]
    public void The_data_directory_comes_from_the_setting_relative_to_the_file_or_the_variable()
    {
        var fromFile = GatewayConfigurationLoader.Parse("""{"settings":{"data_dir":"state"},"servers":{}}""", new Dictionary<string, string?>()).Configuration! with { SourcePath = "/etc/mcpf/gateway.json" };
        Assert.Equal("/etc/mcpf/state", DataDirectory.Resolve(fromFile));

        var fromVariable = GatewayConfigurationLoader.Parse("""{"settings":{"data_dir":"state"},"servers":{}}""", new Dictionary<string, string?> { ["MCPF_DATA_DIR"] = "/var/lib/mcpf" }).Configuration!;
        Assert.Equal("/var/lib/mcpf", DataDirectory.Resolve(fromVariable));

        var unset = GatewayConfigurationLoader.Parse("""{"servers":{}}""", new Dictionary<string, string?>()).Configuration!;
        Assert.Equal(DataDirectory.Default(), DataDirectory.Resolve(unset));
        Assert.EndsWith("mcpf", DataDirectory.Default(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_dir_that_is_not_a_path_is_an_error_with_its_path()
    {
        var result = GatewayConfigurationLoader.Parse("""{"settings":{"data_dir":42},"servers":{}}""", new Dictionary<string, string?>());
        Assert.Null(result.Configuration);
        Assert.Contains(result.Errors, error => error.Path == "settings.data_dir");
    }
}
