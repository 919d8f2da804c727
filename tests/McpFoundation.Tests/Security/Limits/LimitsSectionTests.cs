using McpFoundation.Configuration;
using McpFoundation.Security.Adaptive;
using McpFoundation.Security.Limits;

namespace McpFoundation.Tests.Security.Limits;

[Trait("Category", "Unit")]
public sealed class LimitsSectionTests
{
    [Fact]
    public void Read_FullSection_BindsEveryField()
    {
        var result = Parse("""
            "limits": { "per_user": { "calls_per_minute": 120, "max_concurrent": 4 }, "tools": { "fs__write_file": { "calls_per_minute": 10 } }, "queue": { "size": 5, "timeout": 2.5 } }
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        LimitSettings settings = result.Configuration!.GetSection<LimitSettings>("limits")!;
        Assert.Equal(new LimitRule(120, 4), settings.PerUser);
        Assert.Equal(new LimitRule(10, null), settings.Tools["fs__write_file"]);
        Assert.Equal((5, TimeSpan.FromSeconds(2.5)), (settings.QueueSize, settings.QueueTimeout));
    }

    [Fact]
    public void Read_Absent_DefaultsLimitNothing()
    {
        var result = Parse("");

        LimitSettings settings = result.Configuration!.GetSection<LimitSettings>("limits")!;
        Assert.Null(settings.PerUser);
        Assert.Empty(settings.Tools);
        Assert.Equal(0, settings.QueueSize);
        Assert.False(result.Configuration!.GetSection<AdaptiveSettings>("adaptive")!.Enabled);
    }

    [Theory]
    [InlineData("\"limits\": { \"per_user\": { \"calls_per_minute\": 0 } }", "limits.per_user.calls_per_minute")]
    [InlineData("\"limits\": { \"tools\": { \"a__b\": { \"max_concurent\": 2 } } }", "limits.tools.a__b.max_concurent")]
    [InlineData("\"limits\": { \"queue\": { \"timeout\": -1 } }", "limits.queue.timeout")]
    [InlineData("\"limits\": { \"per_user\": 5 }", "limits.per_user")]
    [InlineData("\"adaptive\": { \"warn_at\": 10, \"ask_at\": 5 }", "adaptive.ask_at")]
    [InlineData("\"adaptive\": { \"half_life\": 0 }", "adaptive.half_life")]
    public void Read_Mistake_ErrorAtItsPath(string section, string path)
    {
        var result = Parse(section);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == path);
    }

    [Fact]
    public void Read_Adaptive_StepsOffWithZeroAndHoldsInSeconds()
    {
        var result = Parse("\"adaptive\": { \"ask_at\": 0, \"throttle_at\": 0, \"quarantine_at\": 12, \"quarantine_for\": 30 }");

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        AdaptiveSettings settings = result.Configuration!.GetSection<AdaptiveSettings>("adaptive")!;
        Assert.True(settings.Enabled);
        Assert.Equal(0, settings.Thresholds[EscalationLevel.Ask]);
        Assert.Equal(12, settings.Thresholds[EscalationLevel.Quarantine]);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Holds[EscalationLevel.Quarantine]);
    }

    private static ConfigurationLoadResult Parse(string sections) =>
        GatewayConfigurationLoader.Parse(
            $$"""{ "servers": { "s": { "command": ["x"] } }{{(sections.Length > 0 ? "," + sections : "")}} }""",
            new Dictionary<string, string?>());
}
