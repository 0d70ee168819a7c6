using System.Diagnostics;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using Courier.IntegrationTests.Reliability;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Delayed;

/// <summary>
/// The <c>x-delayed-message</c> exchange as RabbitMQ's delayed-message plugin defines it: bindings
/// route as the <c>x-delayed-type</c>, a positive <c>x-delay</c> header holds the message back that
/// many milliseconds (never less), other values route at once, and a bad declaration is refused.
/// </summary>
public sealed class DelayedExchangeTests
{
    private static Dictionary<string, object?> DelayedType(string type) => new() { ["x-delayed-type"] = type };

    private static BasicProperties Delay(object? delay, bool persistent = false) => new()
    {
        Headers = new Dictionary<string, object?> { ["x-delay"] = delay },
        DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
    };

    [Fact]
    public async Task A_delayed_message_is_routed_once_its_delay_has_passed_and_never_before()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("later", "x-delayed-message", arguments: DelayedType("direct"));
        var queue = await channel.DeclareBoundQueueAsync("later", "k");
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        var delays = new[] { 400, 150, 250 };
        var publishedAt = new Dictionary<string, long>();
        foreach (var delay in delays)
        {
            publishedAt[$"m{delay}"] = Stopwatch.GetTimestamp();
            await channel.PublishTextAsync("later", "k", $"m{delay}", Delay(delay));
        }

        var deliveries = await consumer.WaitForAsync(delays.Length);
        foreach (var delivery in deliveries)
        {
            var delay = int.Parse(delivery.Text[1..], System.Globalization.CultureInfo.InvariantCulture);
            var waited = Stopwatch.GetElapsedTime(publishedAt[delivery.Text], delivery.ReceivedAt);
            Assert.True(waited >= TimeSpan.FromMilliseconds(delay), $"{delivery.Text} arrived after {waited.TotalMilliseconds} ms, before its {delay} ms delay");

            // As the plugin does: the header is negated when the message is routed, a signed 32-bit integer.
            Assert.Equal(-delay, delivery.DelayHeader());
            Assert.IsType<int>(delivery.Properties.Headers!["x-delay"]);
        }
    }

    [Fact]
    public async Task Delayed_messages_arrive_in_due_order_whatever_the_publish_order()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("ordered", "x-delayed-message", arguments: DelayedType("fanout"));
        var queue = await channel.DeclareBoundQueueAsync("ordered", string.Empty);
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        foreach (var (text, delay) in new[] { ("third", 600), ("first", 200), ("second", 400), ("now", 0), ("fourth", 800) })
        {
            await channel.PublishTextAsync("ordered", "any", text, Delay(delay));
        }

        var deliveries = await consumer.WaitForAsync(5);
        Assert.Equal(["now", "first", "second", "third", "fourth"], deliveries.Select(d => d.Text));
    }

    [Theory]
    [InlineData("absent")]
    [InlineData(0)]
    [InlineData(-500)]
    [InlineData("soon")]
    [InlineData(4294967296L)]
    public async Task A_message_without_a_positive_delay_is_routed_at_once(object delay)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("instant", "x-delayed-message", arguments: DelayedType("direct"));
        var queue = await channel.DeclareBoundQueueAsync("instant", "k");

        await channel.PublishTextAsync("instant", "k", "hello", delay is "absent" ? new BasicProperties() : Delay(delay));

        // basic.get after basic.publish on one channel sees the publish's routing.
        Assert.Equal("hello", await channel.GetTextAsync(queue));
    }

    [Fact]
    public async Task Delay_given_as_a_string_of_digits_or_a_float_is_honoured_as_the_plugin_does()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("lenient", "x-delayed-message", arguments: DelayedType("direct"));
        var queue = await channel.DeclareBoundQueueAsync("lenient", "k");

        await channel.PublishTextAsync("lenient", "k", "text", Delay("1000"));
        await channel.PublishTextAsync("lenient", "k", "float", Delay(1000.7));

        Assert.Null(await channel.GetTextAsync(queue));
        await QueueCounts.UntilAsync(channel, "both delayed messages are routed", (queue, 2));
    }

    [Fact]
    public async Task A_topic_delayed_exchange_routes_due_messages_by_pattern()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("topics", "x-delayed-message", arguments: DelayedType("topic"));
        var orders = await channel.DeclareBoundQueueAsync("topics", "orders.*");
        var europe = await channel.DeclareBoundQueueAsync("topics", "#.eu");

        await channel.PublishTextAsync("topics", "orders.eu", "both", Delay(1000));
        await channel.PublishTextAsync("topics", "invoices.eu", "europe", Delay(1000));
        await channel.PublishTextAsync("topics", "orders.us", "orders", Delay(1000));
        Assert.Equal(0u, await channel.MessageCountAsync(orders));

        await QueueCounts.UntilAsync(channel, "the due messages are routed", (orders, 2), (europe, 2));
        Assert.Equal(["both", "orders"], await channel.DrainAsync(orders));
        Assert.Equal(["both", "europe"], await channel.DrainAsync(europe));
    }

    [Fact]
    public async Task A_headers_delayed_exchange_routes_due_messages_by_header_match()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("by-headers", "x-delayed-message", arguments: DelayedType("headers"));
        var invoices = await channel.DeclareBoundQueueAsync("by-headers", string.Empty, new Dictionary<string, object?> { ["x-match"] = "all", ["kind"] = "invoice" });
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(invoices, autoAck: true, consumer);

        foreach (var (text, kind) in new[] { ("invoice-1", "invoice"), ("receipt", "receipt"), ("invoice-2", "invoice") })
        {
            var properties = new BasicProperties { Headers = new Dictionary<string, object?> { ["x-delay"] = 150, ["kind"] = kind } };
            await channel.PublishTextAsync("by-headers", string.Empty, text, properties);
        }

        // A later immediate message marks the end: by then the two invoices were routed and the receipt was not.
        await consumer.WaitForAsync(2);
        await channel.PublishTextAsync("by-headers", string.Empty, "marker", new BasicProperties { Headers = new Dictionary<string, object?> { ["x-delay"] = 300, ["kind"] = "invoice" } });
        var deliveries = await consumer.WaitForAsync(3);
        Assert.Equal(["invoice-1", "invoice-2", "marker"], deliveries.Select(d => d.Text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bogus")]
    [InlineData("x-delayed-message")]
    [InlineData(42)]
    public async Task A_delayed_exchange_without_a_routable_delayed_type_is_refused_with_406(object? delayedType)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var arguments = delayedType is null ? null : new Dictionary<string, object?> { ["x-delayed-type"] = delayedType };

        var reason = await Refusals.ClosesChannelAsync(406, connection, channel, () => channel.ExchangeDeclareAsync("refused", "x-delayed-message", arguments: arguments));

        Assert.Contains("x-delayed-type", reason.ReplyText, StringComparison.Ordinal);
        await using var probe = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(404, connection, probe, () => probe.ExchangeDeclarePassiveAsync("refused"));
    }

    [Fact]
    public async Task A_mandatory_delayed_message_is_returned_at_publish_and_still_delivered_when_due()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("mandatory", "x-delayed-message", arguments: DelayedType("direct"));
        var queue = await channel.DeclareBoundQueueAsync("mandatory", "k");
        var returned = new TaskCompletionSource<BasicReturnEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.BasicReturnAsync += (_, e) =>
        {
            returned.TrySetResult(e);
            return Task.CompletedTask;
        };

        await channel.PublishTextAsync("mandatory", "k", "delayed", Delay(200), mandatory: true);

        // As with the plugin: at publish time the message reached no queue.
        var returnArgs = await Wait.ForAsync(returned.Task, "basic.return");
        Assert.Equal(312, returnArgs.ReplyCode);
        Assert.Equal("NO_ROUTE", returnArgs.ReplyText);
        await QueueCounts.UntilAsync(channel, "the returned message is routed when due", (queue, 1));
    }

    [Fact]
    public async Task Deleting_a_delayed_exchange_drops_its_scheduled_messages()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dropped", "x-delayed-message", arguments: DelayedType("direct"));
        var queue = await channel.DeclareBoundQueueAsync("dropped", "k");
        await channel.PublishTextAsync("dropped", "k", "old", Delay(1000, persistent: true));

        await channel.ExchangeDeleteAsync("dropped");
        await channel.ExchangeDeclareAsync("dropped", "x-delayed-message", arguments: DelayedType("direct"));
        await channel.QueueBindAsync(queue, "dropped", "k");
        await channel.PublishTextAsync("dropped", "k", "new", Delay(1500, persistent: true));

        // The old message was due first: had it survived its exchange it would be ahead of the new one.
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var deliveries = await consumer.WaitForAsync(1);
        Assert.Equal("new", deliveries[0].Text);
        Assert.Equal(0, broker.Host.Broker.Delayed!.Scheduled);
    }

    [Fact]
    public async Task Confirms_of_delayed_persistent_messages_come_before_they_are_due()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync("confirmed", "x-delayed-message", durable: true, autoDelete: false, arguments: DelayedType("direct"));
        var queue = (await channel.QueueDeclareAsync("confirmed.q", durable: true, exclusive: false, autoDelete: false)).QueueName;
        await channel.QueueBindAsync(queue, "confirmed", "k");

        // Publishing with tracking returns once the broker acked: long before the minute is up.
        await channel.PublishTextAsync("confirmed", "k", "in a minute", Delay(60_000, persistent: true));

        Assert.Equal(0u, await channel.MessageCountAsync(queue));
        Assert.Equal(1, broker.Host.Broker.Delayed!.Scheduled);
    }

    [Fact]
    public async Task A_dead_letter_sent_to_a_delayed_exchange_is_held_back_by_its_delay()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("retry", "x-delayed-message", arguments: DelayedType("direct"));
        var target = await channel.DeclareBoundQueueAsync("retry", "again");
        await channel.QueueDeclareAsync("work", durable: false, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-dead-letter-exchange"] = "retry",
            ["x-dead-letter-routing-key"] = "again",
        });
        await channel.PublishTextAsync(string.Empty, "work", "retried", Delay(300));
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(target, autoAck: true, consumer);

        var taken = await channel.BasicGetAsync("work", autoAck: false);
        Assert.NotNull(taken);
        var rejectedAt = Stopwatch.GetTimestamp();
        await channel.BasicRejectAsync(taken.DeliveryTag, requeue: false);

        var delivery = Assert.Single(await consumer.WaitForAsync(1));
        Assert.Equal("retried", delivery.Text);
        var waited = Stopwatch.GetElapsedTime(rejectedAt, delivery.ReceivedAt);
        Assert.True(waited >= TimeSpan.FromMilliseconds(300), $"the dead letter arrived {waited.TotalMilliseconds} ms after the reject, before its 300 ms delay");
        Assert.Equal("rejected", Assert.Single(delivery.Properties.Deaths()).Str("reason"));
    }
}
