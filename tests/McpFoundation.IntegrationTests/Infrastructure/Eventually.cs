namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// Polls a condition that has no event to wait on (a file another process writes, a state inside the gateway),
/// until it holds or the test's token fires. Not a fixed sleep: it returns as soon as the condition holds.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            try
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
        }
    }

    /// <summary>Polls until <paramref name="value"/> returns something (not null), and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<T?> value, string what, CancellationToken cancellationToken)
        where T : class
    {
        T? found = null;
        await WaitUntilAsync(() => (found = value()) is not null, what, cancellationToken);
        return found!;
    }

    /// <summary>Polls an asynchronous probe until it returns a value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> value, string what, CancellationToken cancellationToken)
        where T : struct
    {
        while (true)
        {
            if (await value() is { } found)
            {
                return found;
            }

            try
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
        }
    }
}
