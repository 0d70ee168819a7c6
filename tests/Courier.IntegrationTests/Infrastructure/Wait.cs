namespace Courier.IntegrationTests.Infrastructure;

/// <summary>Waiting on conditions with a deadline instead of sleeping.</summary>
public static class Wait
{
    /// <summary>
    /// How long a test waits for something that must happen (a delivery, a close, a count): a
    /// liveness bound, not a performance one. Generous, because on a loaded 2-core machine (the
    /// whole suite's classes in parallel, or other work beside it) a broker can take seconds to
    /// do what takes milliseconds alone; a test that passes waits only as long as it has to.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> at the deadline.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Awaits a task, failing the test if it does not finish in time.</summary>
    public static async Task<T> ForAsync<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeout ?? DefaultTimeout));
        if (finished != task)
        {
            Assert.Fail($"timed out waiting for {what}");
        }

        return await task;
    }

    public static async Task ForAsync(Task task, string what, TimeSpan? timeout = null)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeout ?? DefaultTimeout));
        if (finished != task)
        {
            Assert.Fail($"timed out waiting for {what}");
        }

        await task;
    }
}
