using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Reliability;

/// <summary>
/// Dead-lettering through RabbitMQ.Client: x-dead-letter-exchange and -routing-key on reject,
/// expiry, length overflow and the delivery limit, with x-death and x-first-death-* written as
/// RabbitMQ writes them, and RabbitMQ's cycle rule.
/// </summary>
public sealed class DeadLetterTests
{
    [Fact]
    public async Task A_rejected_message_is_dead_lettered_with_its_history()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dlx", "fanout");
        var dead = await channel.DeclareBoundQueueAsync("dlx", string.Empty);
        await channel.DeclareQueueAsync("work", Args(("x-dead-letter-exchange", "dlx")));

        await channel.PublishTextAsync(string.Empty, "work", "poison", new BasicProperties { Headers = new Dictionary<string, object?> { ["app"] = "kept" } });
        var taken = await channel.TakeAsync("work");
        await channel.BasicRejectAsync(taken!.DeliveryTag, requeue: false);

        var letter = await channel.WaitForMessageAsync(dead, "the rejected message reaches the dead-letter queue");
        Assert.Equal("poison", letter.Text());
        Assert.Equal("dlx", letter.Exchange);
        Assert.Equal("work", letter.RoutingKey);
        var death = Assert.Single(letter.BasicProperties.Deaths());
        Assert.Equal(1L, death["count"]);
        Assert.Equal("rejected", death.Str("reason"));
        Assert.Equal("work", death.Str("queue"));
        Assert.Equal(string.Empty, death.Str("exchange"));
        Assert.Equal(["work"], ((IEnumerable<object?>)death["routing-keys"]!).Select(k => Encoding.UTF8.GetString((byte[])k!)));
        var time = Assert.IsType<AmqpTimestamp>(death["time"]);
        Assert.InRange(time.UnixTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.False(death.ContainsKey("original-expiration"));
        Assert.Equal("rejected", letter.BasicProperties.HeaderText("x-first-death-reason"));
        Assert.Equal("work", letter.BasicProperties.HeaderText("x-first-death-queue"));
        Assert.Equal(string.Empty, letter.BasicProperties.HeaderText("x-first-death-exchange"));
        Assert.Equal("kept", letter.BasicProperties.HeaderText("app"));
        Assert.Equal(0u, broker.Ready("work"));
    }

    [Fact]
    public async Task A_nack_without_requeue_uses_the_dead_letter_routing_key_and_a_second_death_counts_up()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        // work --rejected--> retry (routing key "retry") --rejected--> work again, through the default exchange.
        await channel.DeclareQueueAsync("work", Args(("x-dead-letter-exchange", string.Empty), ("x-dead-letter-routing-key", "retry")));
        await channel.DeclareQueueAsync("retry", Args(("x-dead-letter-exchange", string.Empty), ("x-dead-letter-routing-key", "work")));

        await channel.PublishTextAsync(string.Empty, "work", "m");
        for (var round = 1; round <= 2; round++)
        {
            var first = await channel.WaitForMessageAsync("work", "the message in work", autoAck: false);
            await channel.BasicNackAsync(first.DeliveryTag, multiple: false, requeue: false);
            var second = await channel.WaitForMessageAsync("retry", "the message in retry", autoAck: false);
            await channel.BasicNackAsync(second.DeliveryTag, multiple: false, requeue: false);
        }

        var back = await channel.WaitForMessageAsync("work", "the message back in work");
        var deaths = back.BasicProperties.Deaths();
        Assert.Equal(2, deaths.Count);
        Assert.Equal("retry", deaths[0].Str("queue"));
        Assert.Equal(2L, deaths[0]["count"]);
        Assert.Equal("work", deaths[1].Str("queue"));
        Assert.Equal(2L, deaths[1]["count"]);
        Assert.Equal("work", back.BasicProperties.HeaderText("x-first-death-queue"));
    }

    [Fact]
    public async Task An_expired_message_is_dead_lettered_with_its_original_expiration_and_without_one()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dlx", "fanout");
        var dead = await channel.DeclareBoundQueueAsync("dlx", string.Empty);
        await channel.DeclareQueueAsync("short", Args(("x-dead-letter-exchange", "dlx")));

        await channel.PublishTextAsync(string.Empty, "short", "late", new BasicProperties { Expiration = "20" });

        var letter = await channel.WaitForMessageAsync(dead, "the expired message is dead-lettered");
        Assert.Equal("late", letter.Text());
        Assert.Null(letter.BasicProperties.Expiration);
        var death = Assert.Single(letter.BasicProperties.Deaths());
        Assert.Equal("expired", death.Str("reason"));
        Assert.Equal("20", death.Str("original-expiration"));
    }

    [Fact]
    public async Task An_automatic_cycle_drops_the_message_but_a_cycle_through_a_rejection_does_not()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);

        // A queue whose expired messages are dead-lettered back to itself: RabbitMQ drops them.
        await channel.DeclareQueueAsync("loop", Args(("x-message-ttl", 10), ("x-dead-letter-exchange", string.Empty)));
        await channel.PublishTextAsync(string.Empty, "loop", "m");
        await Wait.UntilAsync(() => broker.Ready("loop") == 0, "the expired message leaves the queue");
        Assert.Null(await channel.GetTextAsync("loop"));

        // Rejected back to itself: a client decided, so it is no cycle and the message returns.
        await channel.DeclareQueueAsync("again", Args(("x-dead-letter-exchange", string.Empty)));
        await channel.PublishTextAsync(string.Empty, "again", "n");
        var taken = await channel.WaitForMessageAsync("again", "the message", autoAck: false);
        await channel.BasicRejectAsync(taken.DeliveryTag, requeue: false);
        var back = await channel.WaitForMessageAsync("again", "the rejected message comes back through its dead-letter route");
        Assert.Equal("rejected", Assert.Single(back.BasicProperties.Deaths()).Str("reason"));
    }

    [Fact]
    public async Task A_missing_dead_letter_exchange_drops_the_message()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("work", Args(("x-dead-letter-exchange", "nowhere")));

        await channel.PublishTextAsync(string.Empty, "work", "m");
        var taken = await channel.TakeAsync("work");
        await channel.BasicRejectAsync(taken!.DeliveryTag, requeue: false);

        var work = broker.DefaultVirtualHost().Queues.Single(q => q.Name == "work");
        await Wait.UntilAsync(() => work.UnsettledCount == 0, "the rejected message is settled");
        Assert.Equal(0, work.MessageCount);
    }
}
