namespace Courier.Storage.Tests.Support;

/// <summary>Waits for a condition that something running on another thread will make true, with a deadline instead of a fixed sleep.</summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(5);
        }
    }
}
