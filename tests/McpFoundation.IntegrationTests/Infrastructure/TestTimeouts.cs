namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>The one time limit of the suite: every test runs under a token that fires after <see cref="Default"/>.</summary>
internal static class TestTimeouts
{
    /// <summary>The longest any single test may take, start of real servers included (2-core CI machines are slow).</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(60);

    /// <summary>Creates the test's cancellation source, which cancels after <see cref="Default"/>.</summary>
    public static CancellationTokenSource CreateSource() => new(Default);
}
