using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>basic.consume, basic.cancel and basic.get: who gets which message, in what order.</summary>
public sealed class ConsumeTests
{
    [Fact]
    public async Task An_exclusive_consumer_keeps_other_consumers_off_the_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var owner = await connection.CreateChannelAsync();
        var queue = await owner.DeclareQueueAsync("solo");
        await owner.BasicConsumeAsync(queue, autoAck: true, consumerTag: "only-me", noLocal: false, exclusive: true, arguments: null, new RecordingConsumer(owner));

        var second = await connection.CreateChannelAsync();
        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, second,
            () => second.BasicConsumeAsync(queue, autoAck: true, new RecordingConsumer(second)));

        Assert.Equal("ACCESS_REFUSED - queue 'solo' in vhost '/' in exclusive use", reason.ReplyText);
        Assert.Equal(1u, await owner.ConsumerCountAsync(queue));
    }

    [Fact]
    public async Task An_exclusive_consume_is_refused_while_the_queue_has_a_consumer()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var first = await connection.CreateChannelAsync();
        var queue = await first.DeclareQueueAsync("shared");
        await first.BasicConsumeAsync(queue, autoAck: true, new RecordingConsumer(first));

        var second = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, second,
            () => second.BasicConsumeAsync(queue, autoAck: true, consumerTag: string.Empty, noLocal: false, exclusive: true, arguments: null, new RecordingConsumer(second)));
    }

    [Fact]
    public async Task No_ack_deliveries_are_settled_on_sending_and_never_come_back()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var setup = await connection.CreateChannelAsync();
        var queue = await setup.DeclareQueueAsync("fire-and-forget");
        for (var i = 0; i < 3; i++)
        {
            await setup.PublishTextAsync(string.Empty, queue, $"m{i}");
        }

        await using (var consuming = await connection.CreateChannelAsync())
        {
            var consumer = new RecordingConsumer(consuming);
            await consuming.BasicConsumeAsync(queue, autoAck: true, consumer);
            Assert.Equal(new[] { "m0", "m1", "m2" }, (await consumer.WaitForAsync(3)).Select(d => d.Text));
        }

        // The consuming channel closed without acking anything: with no-ack there is nothing to requeue.
        Assert.Equal(0u, await setup.ReadyCountAsync(queue));
        Assert.Null(await setup.GetTextAsync(queue));
    }

    [Fact]
    public async Task A_client_supplied_consumer_tag_is_used_and_a_missing_one_is_generated_with_amq_ctag_prefix()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("tagged");
        var named = new RecordingConsumer(channel);
        var anonymous = new RecordingConsumer(channel);

        var namedTag = await channel.BasicConsumeAsync(queue, autoAck: true, "my-tag", named);
        var generatedTag = await channel.BasicConsumeAsync(queue, autoAck: true, string.Empty, anonymous);

        Assert.Equal("my-tag", namedTag);
        Assert.StartsWith("amq.ctag-", generatedTag, StringComparison.Ordinal);
        await channel.PublishTextAsync(string.Empty, queue, "first");
        await channel.PublishTextAsync(string.Empty, queue, "second");
        Assert.Equal("my-tag", (await named.WaitForAsync(1))[0].ConsumerTag);
        Assert.Equal(generatedTag, (await anonymous.WaitForAsync(1))[0].ConsumerTag);
    }

    [Fact]
    public async Task A_cancelled_consumer_receives_nothing_more()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("cancellable");
        var consumer = new RecordingConsumer(channel);
        var tag = await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        await channel.PublishTextAsync(string.Empty, queue, "before");
        await consumer.WaitForAsync(1);

        await channel.BasicCancelAsync(tag);
        await channel.PublishTextAsync(string.Empty, queue, "after");

        Assert.Equal("after", await channel.GetTextAsync(queue));
        Assert.Equal(new[] { "before" }, consumer.Texts);
        Assert.Equal(0u, await channel.ConsumerCountAsync(queue));
    }

    [Fact]
    public async Task Deleting_a_queue_cancels_its_consumers_from_the_broker_side()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var consuming = await connection.CreateChannelAsync();
        var queue = await consuming.DeclareQueueAsync("short-lived");
        var consumer = new RecordingConsumer(consuming);
        var tag = await consuming.BasicConsumeAsync(queue, autoAck: true, consumer);

        await using var admin = await connection.CreateChannelAsync();
        await admin.QueueDeleteAsync(queue);

        Assert.Equal(tag, await Wait.ForAsync(consumer.CancelledByBroker, "basic.cancel from the broker"));
        Assert.True(consuming.IsOpen);
        Assert.False(consumer.IsRunning);
    }

    [Fact]
    public async Task Eventing_consumer_hears_of_a_broker_cancel_through_unregistered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("short-lived");
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        var unregistered = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        consumer.UnregisteredAsync += (_, e) =>
        {
            unregistered.TrySetResult(e.ConsumerTags);
            return Task.CompletedTask;
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        await using var admin = await connection.CreateChannelAsync();
        await admin.QueueDeleteAsync(queue);

        Assert.Equal(new[] { tag }, await Wait.ForAsync(unregistered.Task, "the consumer to be unregistered"));
    }

    [Fact]
    public async Task Basic_get_returns_the_head_message_with_the_count_left_and_get_empty_on_an_empty_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("pull");
        await channel.PublishTextAsync("", queue, "first");
        await channel.PublishTextAsync("", queue, "second");

        var first = await channel.BasicGetAsync(queue, autoAck: true);
        var second = await channel.BasicGetAsync(queue, autoAck: true);
        var empty = await channel.BasicGetAsync(queue, autoAck: true);

        Assert.NotNull(first);
        Assert.Equal("first", System.Text.Encoding.UTF8.GetString(first.Body.Span));
        Assert.Equal(1u, first.MessageCount);
        Assert.Equal(string.Empty, first.Exchange);
        Assert.Equal(queue, first.RoutingKey);
        Assert.False(first.Redelivered);
        Assert.NotNull(second);
        Assert.Equal(0u, second.MessageCount);
        Assert.Null(empty);
    }

    [Fact]
    public async Task Competing_consumers_take_turns()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var first = await connection.CreateChannelAsync();
        await using var second = await connection.CreateChannelAsync();
        var queue = await first.DeclareQueueAsync("work");
        var a = new RecordingConsumer(first);
        var b = new RecordingConsumer(second);
        await first.BasicConsumeAsync(queue, autoAck: true, a);
        await second.BasicConsumeAsync(queue, autoAck: true, b);

        for (var i = 0; i < 10; i++)
        {
            await first.PublishTextAsync(string.Empty, queue, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Wait.UntilAsync(() => a.Count + b.Count == 10, "all ten messages are delivered");
        Assert.Equal(new[] { "0", "2", "4", "6", "8" }, a.Texts);
        Assert.Equal(new[] { "1", "3", "5", "7", "9" }, b.Texts);
    }

    [Fact]
    public async Task A_consumer_receives_a_queues_messages_in_publish_order()
    {
        const int Count = 1000;
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("ordered");
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);

        await using var publisher = await connection.CreateChannelAsync();
        for (var i = 0; i < Count; i++)
        {
            await publisher.PublishTextAsync(string.Empty, queue, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var deliveries = await consumer.WaitForAsync(Count);

        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), deliveries.Select(d => d.Text));
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (ulong)i), deliveries.Select(d => d.DeliveryTag));
        await channel.BasicAckAsync((ulong)Count, multiple: true);
    }
}
