using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests;

public sealed class ResourceAlarmTests
{
    [Fact]
    public async Task Publishers_are_blocked_past_the_memory_watermark_and_unblocked_when_consumers_drain()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MemoryHighWatermark = 1_000_000);
        await using var publisherConnection = await broker.ConnectAsync();
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var unblocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        publisherConnection.ConnectionBlockedAsync += (_, e) =>
        {
            blocked.TrySetResult(e.Reason);
            return Task.CompletedTask;
        };
        publisherConnection.ConnectionUnblockedAsync += (_, _) =>
        {
            unblocked.TrySetResult();
            return Task.CompletedTask;
        };
        await using var publisher = await publisherConnection.CreateChannelAsync();
        await publisher.QueueDeclareAsync("backlog", durable: false, exclusive: false, autoDelete: false);

        var body = new byte[100_000];
        for (var i = 0; i < 30; i++)
        {
            await publisher.BasicPublishAsync(string.Empty, "backlog", body);
        }

        Assert.Equal("low on memory", await Wait.ForAsync(blocked.Task, "connection.blocked"));
        Assert.True(broker.Host.Broker.Resources.IsBlocked);
        Assert.False(unblocked.Task.IsCompleted);

        await using var consumerConnection = await broker.ConnectAsync();
        await using var consumer = await consumerConnection.CreateChannelAsync();
        var received = 0;
        var drain = new AsyncEventingBasicConsumer(consumer);
        drain.ReceivedAsync += (_, _) =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };
        await consumer.BasicConsumeAsync("backlog", autoAck: true, drain);

        await Wait.ForAsync(unblocked.Task, "connection.unblocked");
        await Wait.UntilAsync(() => Volatile.Read(ref received) == 30, "every message published is consumed");
        Assert.False(broker.Host.Broker.Resources.IsBlocked);
    }

    [Fact]
    public async Task A_disk_alarm_blocks_publishers_until_space_is_back()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.DiskFreeLimit = long.MaxValue);
        await Wait.UntilAsync(() => broker.Host.Broker.Resources.IsBlocked, "the disk alarm is on");
        await using var connection = await broker.ConnectAsync();
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var unblocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionBlockedAsync += (_, e) =>
        {
            blocked.TrySetResult(e.Reason);
            return Task.CompletedTask;
        };
        connection.ConnectionUnblockedAsync += (_, _) =>
        {
            unblocked.TrySetResult();
            return Task.CompletedTask;
        };
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("q", durable: false, exclusive: false, autoDelete: false);
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.True(vhost.TryGetQueue("q", out var q));

        // As in RabbitMQ, the first publish goes through and makes this a publishing connection,
        // which is then told it is blocked and no longer read: the next publish waits.
        await channel.BasicPublishAsync(string.Empty, "q", "first"u8.ToArray());
        Assert.Equal("low on disk", await Wait.ForAsync(blocked.Task, "connection.blocked"));
        var held = channel.BasicPublishAsync(string.Empty, "q", "held"u8.ToArray()).AsTask();
        Assert.Equal(1, q.MessageCount);
        Assert.False(held.IsCompleted);

        broker.Host.Broker.Resources.SetDiskFreeLimit(0);
        await Wait.ForAsync(unblocked.Task, "connection.unblocked");
        await Wait.ForAsync(held, "the held publish to be confirmed");
        Assert.Equal(2, q.MessageCount);
    }
}
