using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Reliability;

/// <summary>x-max-priority, consumer priorities (x-priority), single active consumer and x-delivery-limit.</summary>
public sealed class PriorityAndConsumerTests
{
    [Fact]
    public async Task A_priority_queue_delivers_higher_priorities_first_and_fifo_within_one()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("prio", Args(("x-max-priority", 5)));

        (string Text, byte? Priority)[] published = [("low1", 1), ("none", null), ("high1", 5), ("low2", 1), ("over", 9), ("high2", 5), ("mid", 3)];
        foreach (var (text, priority) in published)
        {
            await channel.PublishTextAsync(string.Empty, "prio", text, priority is { } p ? new BasicProperties { Priority = p } : null);
        }

        // 9 counts as the maximum, 5, and keeps its arrival order among them.
        Assert.Equal(["high1", "over", "high2", "mid", "low1", "low2", "none"], await channel.DrainAsync("prio"));
    }

    [Fact]
    public async Task A_requeued_message_goes_back_to_its_place_among_its_priority()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("prio", Args(("x-max-priority", 2)));
        await channel.PublishTextAsync(string.Empty, "prio", "a", new BasicProperties { Priority = 2 });
        await channel.PublishTextAsync(string.Empty, "prio", "b", new BasicProperties { Priority = 2 });
        await channel.PublishTextAsync(string.Empty, "prio", "c", new BasicProperties { Priority = 1 });

        var a = await channel.TakeAsync("prio");
        await channel.BasicNackAsync(a!.DeliveryTag, multiple: false, requeue: true);

        Assert.Equal(["a", "b", "c"], await channel.DrainAsync("prio"));
    }

    [Fact]
    public async Task Higher_priority_consumers_get_messages_while_they_have_credit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var lowChannel = await connection.CreateChannelAsync();
        await using var highChannel = await connection.CreateChannelAsync();
        await lowChannel.DeclareQueueAsync("work");
        await highChannel.BasicQosAsync(0, 2, global: false);
        var low = new RecordingConsumer(lowChannel);
        var high = new RecordingConsumer(highChannel);
        await lowChannel.BasicConsumeAsync("work", autoAck: true, consumerTag: "low", noLocal: false, exclusive: false, arguments: null, low);
        await highChannel.BasicConsumeAsync("work", autoAck: false, consumerTag: "high", noLocal: false, exclusive: false, arguments: Args(("x-priority", 10)), high);

        for (var i = 0; i < 5; i++)
        {
            await lowChannel.PublishTextAsync(string.Empty, "work", $"m{i}");
        }

        // The high-priority consumer takes two (its prefetch); the rest overflow to the low one.
        await high.WaitForAsync(2);
        await low.WaitForAsync(3);
        Assert.Equal(["m0", "m1"], high.Texts);
        Assert.Equal(["m2", "m3", "m4"], low.Texts);
    }

    [Fact]
    public async Task A_single_active_consumer_gets_everything_until_it_goes_then_the_next_takes_over()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("sac", Args(("x-single-active-consumer", true)));
        var first = new RecordingConsumer(channel);
        var second = new RecordingConsumer(channel);
        var firstTag = await channel.BasicConsumeAsync("sac", autoAck: true, first);
        await channel.BasicConsumeAsync("sac", autoAck: true, second);

        for (var i = 0; i < 4; i++)
        {
            await channel.PublishTextAsync(string.Empty, "sac", $"a{i}");
        }

        await first.WaitForAsync(4);
        await channel.BasicCancelAsync(firstTag);
        await channel.PublishTextAsync(string.Empty, "sac", "b");
        await second.WaitForAsync(1);
        Assert.Equal(["a0", "a1", "a2", "a3"], first.Texts);
        Assert.Equal(["b"], second.Texts);
    }

    [Fact]
    public async Task A_message_returned_past_the_delivery_limit_is_dead_lettered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dlx", "fanout");
        var dead = await channel.DeclareBoundQueueAsync("dlx", string.Empty);
        await channel.DeclareQueueAsync("limited", Args(("x-delivery-limit", 2), ("x-dead-letter-exchange", "dlx")));
        await channel.DeclareQueueAsync("dropped", Args(("x-delivery-limit", 0)));
        await channel.PublishTextAsync(string.Empty, "limited", "poison");
        await channel.PublishTextAsync(string.Empty, "dropped", "poison");

        // Delivered three times: returned twice within the limit, the third return is one too many.
        for (var delivery = 1; delivery <= 3; delivery++)
        {
            var taken = await channel.TakeAsync("limited");
            Assert.NotNull(taken);
            Assert.Equal(delivery > 1, taken!.Redelivered);
            await channel.BasicNackAsync(taken.DeliveryTag, multiple: false, requeue: true);
        }

        Assert.Null(await channel.TakeAsync("limited"));
        var letter = await channel.WaitForMessageAsync(dead, "the poison message is dead-lettered");
        Assert.Equal("delivery_limit", Assert.Single(letter.BasicProperties.Deaths()).Str("reason"));

        var once = await channel.TakeAsync("dropped");
        await channel.BasicRejectAsync(once!.DeliveryTag, requeue: true);
        Assert.Null(await channel.TakeAsync("dropped"));
        Assert.Equal(0u, broker.Ready("dropped"));
    }
}
