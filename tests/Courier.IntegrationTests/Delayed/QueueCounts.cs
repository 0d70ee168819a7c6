using RabbitMQ.Client;

namespace Courier.IntegrationTests.Delayed;

/// <summary>Waiting for queues to hold a number of messages, asked of the broker, with a deadline.</summary>
internal static class QueueCounts
{
    public static async Task UntilAsync(IChannel channel, string what, params (string Queue, uint Count)[] expected)
    {
        var deadline = DateTime.UtcNow + Infrastructure.Wait.DefaultTimeout;
        while (true)
        {
            var reached = true;
            foreach (var (queue, count) in expected)
            {
                reached &= await channel.MessageCountAsync(queue) == count;
            }

            if (reached)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(10);
        }
    }
}
