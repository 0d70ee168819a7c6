namespace Courier.Cli.Tests.Infrastructure;

/// <summary>Waiting on conditions with a deadline instead of sleeping.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // a liveness bound, generous for a loaded machine
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(10);
        }
    }
}
