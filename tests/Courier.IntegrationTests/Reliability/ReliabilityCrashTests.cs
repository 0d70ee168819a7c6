using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Reliability;

/// <summary>
/// Dead-lettering, priorities and queue arguments across SIGKILL of a real broker process: a
/// persistent message is never lost between a durable queue and its dead-letter target.
/// </summary>
public sealed class ReliabilityCrashTests(ITestOutputHelper output)
{
    private const int Count = 400;

    /// <summary>A durable fanout "dlx" with the durable queue "dead" bound to it.</summary>
    private static async Task DeclareDurableDeadLetterTargetAsync(IChannel channel)
    {
        await channel.ExchangeDeclareAsync("dlx", ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync("dead", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("dead", "dlx", string.Empty);
    }

    /// <summary>
    /// Kills the node (SIGKILL) under <paramref name="connection"/>, waits until the client sees it
    /// die, runs <paramref name="whileDown"/>, starts the node again and connects to it.
    /// </summary>
    private static async Task<IConnection> KillAndRestartAsync(BrokerProcess broker, IConnection connection, Func<Task>? whileDown = null)
    {
        await broker.KillAsync();
        await Wait.UntilAsync(() => !connection.IsOpen, "the client sees the node die");
        await connection.DisposeAsync();
        if (whileDown is not null)
        {
            await whileDown();
        }

        await broker.RestartAsync();
        return await broker.ConnectAsync();
    }

    [Fact]
    public async Task A_persistent_message_dead_lettered_while_the_node_is_killed_is_in_the_source_or_the_target()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(Confirming);
        await DeclareDurableDeadLetterTargetAsync(channel);
        await channel.QueueDeclareAsync("work", durable: true, exclusive: false, autoDelete: false, Args(("x-dead-letter-exchange", "dlx")));
        for (var i = 0; i < Count; i++)
        {
            await channel.PublishTextAsync(string.Empty, "work", $"m{i}", new BasicProperties { Persistent = true });
        }

        // A consumer rejects everything it gets; the node is killed while it is at it.
        var consumerChannel = await connection.CreateChannelAsync();
        await consumerChannel.BasicQosAsync(0, 50, global: false);
        var rejected = 0;
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicRejectAsync(delivery.DeliveryTag, requeue: false);
            Interlocked.Increment(ref rejected);
        };
        await consumerChannel.BasicConsumeAsync("work", autoAck: false, consumer);
        await Wait.UntilAsync(() => Volatile.Read(ref rejected) >= Count / 2, "half the messages are rejected");
        await using var after = await KillAndRestartAsync(broker, connection);
        await using var check = await after.CreateChannelAsync();
        var inWork = await check.DrainAsync("work");
        var inDead = new List<string>();
        while (await check.BasicGetAsync("dead", autoAck: true) is { } letter)
        {
            inDead.Add(Encoding.UTF8.GetString(letter.Body.Span));
            Assert.Equal("rejected", Assert.Single(letter.BasicProperties.Deaths()).Str("reason"));
        }

        output.WriteLine($"after the kill: {inWork.Count} in work, {inDead.Count} dead-lettered, {inWork.Intersect(inDead).Count()} in both");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i}").Order(), inWork.Union(inDead).Order());
        Assert.True(inDead.Count > 0, "some rejections were dead-lettered before the kill");
    }

    [Fact]
    public async Task A_durable_priority_queue_and_its_arguments_come_back_after_a_kill()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(Confirming);
        await channel.QueueDeclareAsync("prio", durable: true, exclusive: false, autoDelete: false, Args(("x-max-priority", 3), ("x-max-length", 5)));
        foreach (var (text, priority) in new[] { ("a0", 0), ("b3", 3), ("c1", 1), ("d3", 3), ("e2", 2), ("f0", 0) })
        {
            await channel.PublishTextAsync(string.Empty, "prio", text, new BasicProperties { Persistent = true, Priority = (byte)priority });
        }

        await using var after = await KillAndRestartAsync(broker, connection);
        await using var check = await after.CreateChannelAsync();

        // x-max-length 5 dropped the head (b3, the highest) when f0 arrived; the rest come back by priority.
        Assert.Equal(["d3", "e2", "c1", "a0", "f0"], await check.DrainAsync("prio"));
        await check.QueueDeclareAsync("prio", durable: true, exclusive: false, autoDelete: false, Args(("x-max-priority", 3), ("x-max-length", 5)));
    }

    [Fact]
    public async Task The_delivery_count_of_a_poison_message_survives_a_kill()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(Confirming);
        await DeclareDurableDeadLetterTargetAsync(channel);
        await channel.QueueDeclareAsync("poison", durable: true, exclusive: false, autoDelete: false, Args(("x-delivery-limit", 2), ("x-dead-letter-exchange", "dlx")));
        await channel.PublishTextAsync(string.Empty, "poison", "p", new BasicProperties { Persistent = true });

        // Two deliveries returned before the kill; a confirmed publish after them on the same
        // connection puts their delivered records on disk first.
        for (var delivery = 1; delivery <= 2; delivery++)
        {
            var taken = await channel.WaitForMessageAsync("poison", $"delivery {delivery}", autoAck: false);
            await channel.BasicNackAsync(taken.DeliveryTag, multiple: false, requeue: true);
        }

        await channel.PublishTextAsync(string.Empty, "dead", "barrier", new BasicProperties { Persistent = true });
        await using var after = await KillAndRestartAsync(broker, connection);
        await using var check = await after.CreateChannelAsync();
        Assert.Equal("barrier", (await check.WaitForMessageAsync("dead", "the barrier")).Text());

        // The third delivery is the last the limit allows; returning it dead-letters it.
        var third = await check.WaitForMessageAsync("poison", "the third delivery", autoAck: false);
        Assert.True(third.Redelivered);
        await check.BasicNackAsync(third.DeliveryTag, multiple: false, requeue: true);
        var letter = await check.WaitForMessageAsync("dead", "the poison message dead-lettered after the restart");
        Assert.Equal("p", letter.Text());
        Assert.Equal("delivery_limit", Assert.Single(letter.BasicProperties.Deaths()).Str("reason"));
    }

    [Fact]
    public async Task A_message_ttl_counts_from_the_original_arrival_across_a_kill()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(Confirming);
        await DeclareDurableDeadLetterTargetAsync(channel);
        await channel.QueueDeclareAsync("short", durable: true, exclusive: false, autoDelete: false, Args(("x-message-ttl", 1500), ("x-dead-letter-exchange", "dlx")));
        await channel.QueueDeclareAsync("long", durable: true, exclusive: false, autoDelete: false, Args(("x-message-ttl", 600_000)));
        var published = DateTimeOffset.UtcNow;
        await channel.PublishTextAsync(string.Empty, "short", "queue-ttl", new BasicProperties { Persistent = true });
        await channel.PublishTextAsync(string.Empty, "long", "own-expiration", new BasicProperties { Persistent = true, Expiration = "1500" });
        await channel.PublishTextAsync(string.Empty, "long", "kept", new BasicProperties { Persistent = true });
        // Both deadlines pass while the node is down.
        await using var after = await KillAndRestartAsync(
            broker, connection, () => Wait.UntilAsync(() => DateTimeOffset.UtcNow - published > TimeSpan.FromMilliseconds(1600), "the TTLs run out"));
        await using var check = await after.CreateChannelAsync();

        var letter = await check.WaitForMessageAsync("dead", "the expired message dead-lettered at start");
        Assert.Equal("queue-ttl", letter.Text());
        Assert.Equal("expired", Assert.Single(letter.BasicProperties.Deaths()).Str("reason"));
        Assert.Empty(await check.DrainAsync("short"));
        Assert.Equal(["kept"], await check.DrainAsync("long"));
    }

    [Fact]
    public async Task A_priority_queue_backlog_past_the_in_memory_head_comes_back_in_priority_order_after_a_kill()
    {
        // More than the 1,024 ready messages a queue keeps in memory: the rest is paged, per priority.
        const int Total = 3_000;
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(Confirming);
        await channel.QueueDeclareAsync("backlog", durable: true, exclusive: false, autoDelete: false, Args(("x-max-priority", 4)));
        var random = new Random(3);
        var priorities = new byte[Total];
        for (var i = 0; i < Total; i++)
        {
            priorities[i] = (byte)random.Next(0, 5);
            await channel.PublishTextAsync(string.Empty, "backlog", $"{priorities[i]}:{i}", new BasicProperties { Persistent = true, Priority = priorities[i] });
        }

        // Before the kill, a consumer takes the first ten: the highest priorities, oldest first.
        var expected = Enumerable.Range(0, Total).OrderByDescending(i => priorities[i]).ThenBy(i => i).Select(i => $"{priorities[i]}:{i}").ToList();
        var first = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var taken = await channel.WaitForMessageAsync("backlog", $"message {i}", autoAck: true);
            first.Add(taken.Text());
        }

        Assert.Equal(expected.Take(10), first);
        await channel.PublishTextAsync(string.Empty, "backlog", "barrier", new BasicProperties { Persistent = true, Priority = 0 });
        await using var after = await KillAndRestartAsync(broker, connection);
        await using var check = await after.CreateChannelAsync();
        Assert.Equal([.. expected.Skip(10), "barrier"], await check.DrainAsync("backlog"));
    }
}
