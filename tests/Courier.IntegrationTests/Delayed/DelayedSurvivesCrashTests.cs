using System.Diagnostics;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Delayed;

/// <summary>
/// Scheduled persistent messages whose publish was confirmed survive a clean stop and a SIGKILL,
/// and are routed when due after the restart (those whose time came while the node was down, at
/// once); never before their delay. Transient delayed messages do not come back, and neither do
/// the messages of a delayed exchange deleted before the stop.
/// </summary>
public sealed class DelayedSurvivesCrashTests(ITestOutputHelper output)
{
    private const string Exchange = "crash.delayed";
    private const string Queue = "crash.delayed.q";
    private const string DeletedExchange = "crash.delayed.deleted";
    private const string DeletedQueue = "crash.delayed.deleted.q";
    private const int Persistent = 200;
    private const int Transient = 20;

    private static readonly Dictionary<string, object?> Direct = new() { ["x-delayed-type"] = "direct" };

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    public async Task Confirmed_delayed_messages_survive_a_restart_and_are_routed_when_due(string stop)
    {
        // 1. A node with a durable delayed exchange bound to a durable queue, and another one to delete.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        foreach (var (exchange, queue) in new[] { (Exchange, Queue), (DeletedExchange, DeletedQueue) })
        {
            await channel.ExchangeDeclareAsync(exchange, "x-delayed-message", durable: true, autoDelete: false, Direct);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, "k");
        }

        // 2. Persistent and transient messages due 2 to 4 s from now, every publish confirmed, and
        //    persistent messages on the exchange that is then deleted.
        var publishedAt = new Dictionary<string, (long At, int Delay)>();
        var publishes = new List<Task>();
        for (var i = 0; i < Persistent + Transient; i++)
        {
            var persistent = i < Persistent;
            var text = persistent ? $"p{i}" : $"t{i}";
            var delay = 2000 + (i * 7919 % 2000);
            publishedAt[text] = (Stopwatch.GetTimestamp(), delay);
            publishes.Add(channel.PublishTextAsync(Exchange, "k", text, DelayedBy(delay, persistent)).AsTask());
        }

        for (var i = 0; i < 20; i++)
        {
            publishes.Add(channel.PublishTextAsync(DeletedExchange, "k", $"d{i}", DelayedBy(1000, persistent: true)).AsTask());
        }

        await Wait.ForAsync(Task.WhenAll(publishes), "every publish to be confirmed");
        await channel.ExchangeDeleteAsync(DeletedExchange);

        // 3. Stop the node, cleanly or not, with the messages still scheduled.
        if (stop == "SIGTERM")
        {
            await broker.StopGracefullyAsync();
        }
        else
        {
            await broker.KillAsync();
        }

        await Wait.UntilAsync(() => !connection.IsOpen, "the client to see the node stop");
        await connection.DisposeAsync();

        // 4. Restart on the same data directory; the deleted exchange is declared anew and bound again.
        await broker.RestartAsync();
        await using var after = await broker.ConnectAsync();
        await using var consumerChannel = await after.CreateChannelAsync();
        await consumerChannel.ExchangeDeclareAsync(DeletedExchange, "x-delayed-message", durable: true, autoDelete: false, Direct);
        await consumerChannel.QueueBindAsync(DeletedQueue, DeletedExchange, "k");
        var consumer = new RecordingConsumer(consumerChannel);
        await consumerChannel.BasicConsumeAsync(Queue, autoAck: true, consumer);

        // 5. Every confirmed persistent message is routed, none before its delay; no transient one comes back.
        await Wait.UntilAsync(
            () => consumer.Deliveries.Select(d => d.Text).Where(t => t.StartsWith('p')).Distinct().Count() == Persistent,
            "every persistent delayed message to be routed",
            TimeSpan.FromSeconds(60));
        foreach (var delivery in consumer.Deliveries)
        {
            var (at, delay) = publishedAt[delivery.Text];
            var waited = Stopwatch.GetElapsedTime(at, delivery.ReceivedAt);
            Assert.True(waited >= TimeSpan.FromMilliseconds(delay), $"{delivery.Text} arrived after {waited.TotalMilliseconds} ms, before its {delay} ms delay");
            Assert.Equal(-delay, delivery.DelayHeader());
        }

        Assert.DoesNotContain(consumer.Deliveries, d => d.Text.StartsWith('t'));

        // 6. The deleted exchange's messages, due before all of these, did not come back with its name.
        Assert.Equal(0u, await consumerChannel.MessageCountAsync(DeletedQueue));

        await after.CloseAsync();
        await broker.StopGracefullyAsync();
        broker.AssertNoErrorsLogged();
    }

    private static BasicProperties DelayedBy(int delay, bool persistent) => new()
    {
        DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
        Headers = new Dictionary<string, object?> { ["x-delay"] = delay },
    };
}
