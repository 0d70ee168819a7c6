using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// basic.ack, basic.nack and basic.reject, and what happens to deliveries nobody settled.
/// basic.recover is not covered: RabbitMQ.Client 7 has no public way to send it.
/// </summary>
public sealed class SettlementTests
{
    [Fact]
    public async Task An_acknowledged_message_is_gone_and_an_unacknowledged_one_comes_back_when_the_channel_closes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "settle", "acked", "unacked");

        await using (var channel = await connection.CreateChannelAsync())
        {
            var acked = await channel.BasicGetAsync(queue, autoAck: false);
            var unacked = await channel.BasicGetAsync(queue, autoAck: false);
            Assert.NotNull(unacked);
            await channel.BasicAckAsync(acked!.DeliveryTag, multiple: false);
        }

        Assert.Equal(new[] { "unacked" }, await observer.DrainAsync(queue));
    }

    [Fact]
    public async Task Ack_with_multiple_settles_every_delivery_up_to_and_including_the_tag()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "settle", "m1", "m2", "m3");

        await using (var channel = await connection.CreateChannelAsync())
        {
            var tags = new List<ulong>();
            for (var i = 0; i < 3; i++)
            {
                tags.Add((await channel.BasicGetAsync(queue, autoAck: false))!.DeliveryTag);
            }

            await channel.BasicAckAsync(tags[1], multiple: true);
        }

        Assert.Equal(new[] { "m3" }, await observer.DrainAsync(queue));
    }

    [Fact]
    public async Task Nack_with_multiple_and_requeue_returns_every_delivery_up_to_the_tag_in_order_as_redelivered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await PublishAsync(channel, "settle", "m1", "m2", "m3");
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        var first = await consumer.WaitForAsync(3);
        Assert.All(first, d => Assert.False(d.Redelivered));

        await channel.BasicNackAsync(first[2].DeliveryTag, multiple: true, requeue: true);
        var all = await consumer.WaitForAsync(6);

        var again = all.Skip(3).ToList();
        Assert.Equal(new[] { "m1", "m2", "m3" }, again.Select(d => d.Text));
        Assert.All(again, d => Assert.True(d.Redelivered));
    }

    [Fact]
    public async Task Reject_with_requeue_delivers_the_message_again_marked_redelivered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await PublishAsync(channel, "settle", "retry me");

        var first = await channel.BasicGetAsync(queue, autoAck: false);
        Assert.False(first!.Redelivered);
        await channel.BasicRejectAsync(first.DeliveryTag, requeue: true);
        var second = await channel.BasicGetAsync(queue, autoAck: false);

        Assert.NotNull(second);
        Assert.True(second.Redelivered);
        Assert.Equal("retry me", Encoding.UTF8.GetString(second.Body.Span));
        Assert.NotEqual(first.DeliveryTag, second.DeliveryTag);
    }

    [Fact]
    public async Task Reject_without_requeue_drops_the_message()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "settle", "poison");

        await using (var channel = await connection.CreateChannelAsync())
        {
            var got = await channel.BasicGetAsync(queue, autoAck: false);
            await channel.BasicRejectAsync(got!.DeliveryTag, requeue: false);
        }

        Assert.Equal(0u, await observer.ReadyCountAsync(queue));
        Assert.Null(await observer.GetTextAsync(queue));
    }

    [Fact]
    public async Task Acking_an_unknown_delivery_tag_closes_the_channel_with_precondition_failed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await channel.BasicAckAsync(99, multiple: false);
        var reason = await Refusals.ChannelClosedAsync(Constants.PreconditionFailed, connection, channel);

        Assert.Equal("PRECONDITION_FAILED - unknown delivery tag 99", reason.ReplyText);
        Assert.Equal(60, reason.ClassId);
        Assert.Equal(80, reason.MethodId);
    }

    [Fact]
    public async Task Acking_the_same_delivery_twice_closes_the_channel_with_precondition_failed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await PublishAsync(channel, "settle", "once");
        var got = await channel.BasicGetAsync(queue, autoAck: false);

        await channel.BasicAckAsync(got!.DeliveryTag, multiple: false);
        await channel.BasicAckAsync(got.DeliveryTag, multiple: false);

        await Refusals.ChannelClosedAsync(Constants.PreconditionFailed, connection, channel);
    }

    [Fact]
    public async Task Unacked_messages_are_requeued_in_their_original_order_as_redelivered_when_the_channel_closes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "settle", "m1", "m2", "m3", "m4", "m5");

        await using (var channel = await connection.CreateChannelAsync())
        {
            var consumer = new RecordingConsumer(channel);
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            var deliveries = await consumer.WaitForAsync(5);
            await channel.BasicAckAsync(deliveries[1].DeliveryTag, multiple: false);
            await channel.BasicAckAsync(deliveries[3].DeliveryTag, multiple: false);
        }

        await observer.PublishTextAsync(string.Empty, queue, "m6");
        await AssertQueueHoldsAsync(observer, queue, ("m1", true), ("m3", true), ("m5", true), ("m6", false));
    }

    [Fact]
    public async Task Unacked_messages_are_requeued_in_their_original_order_as_redelivered_when_the_connection_closes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "settle", "m1", "m2", "m3", "m4");

        await using (var consuming = await broker.ConnectAsync())
        {
            var first = await consuming.CreateChannelAsync();
            var second = await consuming.CreateChannelAsync();
            Assert.NotNull(await first.BasicGetAsync(queue, autoAck: false));
            Assert.NotNull(await second.BasicGetAsync(queue, autoAck: false));
            Assert.NotNull(await first.BasicGetAsync(queue, autoAck: false));
            await consuming.CloseAsync();
        }

        await Wait.UntilAsync(() => broker.DefaultVirtualHost().TryGetQueue(queue, out var held) && held.MessageCount == 4, "every message is back in the queue");
        await AssertQueueHoldsAsync(observer, queue, ("m1", true), ("m2", true), ("m3", true), ("m4", false));
    }

    private static async Task<string> PublishAsync(IChannel channel, string queue, params string[] texts)
    {
        await channel.DeclareQueueAsync(queue);
        foreach (var text in texts)
        {
            await channel.PublishTextAsync(string.Empty, queue, text);
        }

        // A publish completes when it is written to the socket. A synchronous method on the same
        // channel is answered only after the server has handled everything before it, so once it
        // returns the messages are in the queue, even for readers on other connections.
        await channel.QueueDeclarePassiveAsync(queue);
        return queue;
    }

    private static async Task AssertQueueHoldsAsync(IChannel channel, string queue, params (string Text, bool Redelivered)[] expected)
    {
        var actual = new List<(string, bool)>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } got)
        {
            actual.Add((Encoding.UTF8.GetString(got.Body.Span), got.Redelivered));
        }

        Assert.Equal(expected.Select(e => (e.Text, e.Redelivered)), actual);
    }
}
