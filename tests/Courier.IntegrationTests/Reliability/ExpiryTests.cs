using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Reliability;

/// <summary>x-message-ttl, per-message expiration and x-expires, through RabbitMQ.Client.</summary>
public sealed class ExpiryTests
{
    [Fact]
    public async Task A_message_past_the_queue_ttl_is_never_delivered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.DeclareQueueAsync("ttl", Args(("x-message-ttl", 30)));

        await channel.PublishTextAsync(string.Empty, "ttl", "gone");
        await Wait.UntilAsync(() => broker.Ready("ttl") == 0, "the queue drops the expired message");
        Assert.Null(await channel.GetTextAsync("ttl"));
    }

    [Fact]
    public async Task An_expired_message_behind_a_live_head_is_skipped_when_a_consumer_comes_back()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.DeclareQueueAsync("mixed");

        // The head lives long; behind it one expires at once, as RabbitMQ only drops at the head.
        await channel.PublishTextAsync(string.Empty, "mixed", "first", new BasicProperties { Expiration = "600000" });
        await channel.PublishTextAsync(string.Empty, "mixed", "expired", new BasicProperties { Expiration = "1" });
        await channel.PublishTextAsync(string.Empty, "mixed", "last");
        Assert.Equal(3u, broker.Ready("mixed"));
        var clock = DateTime.UtcNow;
        await Wait.UntilAsync(() => DateTime.UtcNow > clock.AddMilliseconds(20), "the short expiration passes");

        Assert.Equal(["first", "last"], await channel.DrainAsync("mixed"));
    }

    [Fact]
    public async Task An_expired_message_deep_in_a_paged_backlog_is_never_delivered()
    {
        const int Backlog = 3000;
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.QueueDeclareAsync("deep", durable: true, exclusive: false, autoDelete: false);
        var persistent = new BasicProperties { Persistent = true };
        for (var i = 0; i < Backlog; i++)
        {
            await channel.PublishTextAsync(string.Empty, "deep", $"m{i}", i == Backlog - 10
                ? new BasicProperties { Persistent = true, Expiration = "1" }
                : persistent);
        }

        var clock = DateTime.UtcNow;
        await Wait.UntilAsync(() => DateTime.UtcNow > clock.AddMilliseconds(20), "the short expiration passes");
        var texts = await channel.DrainAsync("deep");
        Assert.Equal(Backlog - 1, texts.Count);
        Assert.DoesNotContain($"m{Backlog - 10}", texts);
    }

    [Fact]
    public async Task A_ttl_of_zero_reaches_a_waiting_consumer_and_otherwise_expires()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.DeclareQueueAsync("zero", Args(("x-message-ttl", 0)));

        // Expired on arrival: gone by the time the publish is confirmed, never seen by a get.
        await channel.PublishTextAsync(string.Empty, "zero", "nobody");
        Assert.Equal(0u, broker.Ready("zero"));
        Assert.Null(await channel.BasicGetAsync("zero", autoAck: true));

        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync("zero", autoAck: true, consumer);
        await channel.PublishTextAsync(string.Empty, "zero", "taken");
        await consumer.WaitForAsync(1);
        Assert.Equal(["taken"], consumer.Texts);
    }

    [Fact]
    public async Task An_unused_queue_deletes_itself_after_x_expires_and_a_consumer_keeps_it()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.DeclareQueueAsync("idle", Args(("x-expires", 50)));
        await channel.DeclareQueueAsync("used", Args(("x-expires", 50)));
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync("used", autoAck: true, consumer);

        await Wait.UntilAsync(() => !broker.HasQueue("idle"), "the unused queue expires");
        Assert.True(broker.HasQueue("used"));
    }
}
