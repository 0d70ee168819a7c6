using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using static Courier.IntegrationTests.Model.Fields;

namespace Courier.IntegrationTests.Model;

/// <summary>Queue declare (durable, exclusive, auto-delete, server-named, passive), purge, delete and bindings.</summary>
public sealed class QueueTests
{
    [Fact]
    public async Task Durable_and_transient_queues_are_declared_and_keep_their_durability()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("transient", durable: false, exclusive: false, autoDelete: false);

        var first = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, first,
            () => first.QueueDeclareAsync("durable", durable: false, exclusive: false, autoDelete: false));
        var second = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, second,
            () => second.QueueDeclareAsync("transient", durable: true, exclusive: false, autoDelete: false));
    }

    [Fact]
    public async Task Exclusive_queue_can_be_used_only_by_the_connection_that_declared_it()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var owner = await broker.ConnectAsync();
        await using var ownerChannel = await owner.CreateChannelAsync();
        await ownerChannel.QueueDeclareAsync("private", durable: false, exclusive: true, autoDelete: false);
        await ownerChannel.PublishTextAsync(string.Empty, "private", "mine");
        Assert.Equal("mine", await ownerChannel.GetTextAsync("private"));

        await using var other = await broker.ConnectAsync();
        var declare = await other.CreateChannelAsync();
        var reason = await Refusals.ClosesChannelAsync(Constants.ResourceLocked, other, declare,
            () => declare.QueueDeclareAsync("private", durable: false, exclusive: true, autoDelete: false));
        Assert.StartsWith("RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'private' in vhost '/'", reason.ReplyText, StringComparison.Ordinal);
        var passive = await other.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.ResourceLocked, other, passive, () => passive.QueueDeclarePassiveAsync("private"));
        var consume = await other.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.ResourceLocked, other, consume,
            () => consume.BasicConsumeAsync("private", autoAck: true, new RecordingConsumer(consume)));
        var purge = await other.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.ResourceLocked, other, purge, () => purge.QueuePurgeAsync("private"));
        var delete = await other.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.ResourceLocked, other, delete, () => delete.QueueDeleteAsync("private"));

        await ownerChannel.QueueDeclarePassiveAsync("private");
    }

    [Fact]
    public async Task Exclusive_queue_is_deleted_when_its_connection_closes()
    {
        await using var broker = await TestBroker.StartAsync();
        var owner = await broker.ConnectAsync();
        await using (var ownerChannel = await owner.CreateChannelAsync())
        {
            await ownerChannel.QueueDeclareAsync("private", durable: false, exclusive: true, autoDelete: false);
            await ownerChannel.PublishTextAsync(string.Empty, "private", "left behind");
        }

        await owner.CloseAsync();
        await owner.DisposeAsync();
        await Wait.UntilAsync(() => !broker.HasQueue("private"), "the exclusive queue is deleted");

        await using var other = await broker.ConnectAsync();
        await using var channel = await other.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.NotFound, other, channel, () => channel.QueueDeclarePassiveAsync("private"));
        await using var again = await other.CreateChannelAsync();
        await again.QueueDeclareAsync("private", durable: false, exclusive: true, autoDelete: false);
        Assert.Null(await again.GetTextAsync("private"));
    }

    [Fact]
    public async Task Auto_delete_queue_is_deleted_when_its_last_consumer_is_cancelled()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("transient-work", durable: false, exclusive: false, autoDelete: true);
        var first = await channel.BasicConsumeAsync("transient-work", autoAck: true, new RecordingConsumer(channel));
        var second = await channel.BasicConsumeAsync("transient-work", autoAck: true, new RecordingConsumer(channel));

        await channel.BasicCancelAsync(first);
        Assert.Equal(1u, await channel.ConsumerCountAsync("transient-work"));

        await channel.BasicCancelAsync(second);
        await Wait.UntilAsync(() => !broker.HasQueue("transient-work"), "the auto-delete queue is deleted");
        await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.QueueDeclarePassiveAsync("transient-work"));
    }

    [Fact]
    public async Task Auto_delete_queue_that_never_had_a_consumer_is_kept()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using (var declaring = await connection.CreateChannelAsync())
        {
            await declaring.QueueDeclareAsync("waiting", durable: false, exclusive: false, autoDelete: true);
        }

        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclarePassiveAsync("waiting");
    }

    [Fact]
    public async Task Server_named_queue_gets_a_unique_amq_gen_name()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        var first = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        var second = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);

        Assert.StartsWith("amq.gen-", first.QueueName, StringComparison.Ordinal);
        Assert.StartsWith("amq.gen-", second.QueueName, StringComparison.Ordinal);
        Assert.NotEqual(first.QueueName, second.QueueName);
        await channel.QueueDeclarePassiveAsync(first.QueueName);
    }

    [Fact]
    public async Task Passive_declare_reports_ready_messages_and_consumers()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("work");
        for (var i = 0; i < 3; i++)
        {
            await channel.PublishTextAsync(string.Empty, queue, $"m{i}");
        }

        await using var consuming = await connection.CreateChannelAsync();
        await consuming.BasicQosAsync(0, 1, global: false);
        var consumer = new RecordingConsumer(consuming);
        await consuming.BasicConsumeAsync(queue, autoAck: false, consumer);
        await consumer.WaitForAsync(1);

        var ok = await channel.QueueDeclarePassiveAsync(queue);

        Assert.Equal(queue, ok.QueueName);
        Assert.Equal(2u, ok.MessageCount);
        Assert.Equal(1u, ok.ConsumerCount);
    }

    [Fact]
    public async Task Passive_declare_of_a_missing_queue_closes_the_channel_with_not_found()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.QueueDeclarePassiveAsync("missing"));

        Assert.Equal("NOT_FOUND - no queue 'missing' in vhost '/'", reason.ReplyText);
    }

    [Fact]
    public async Task Purge_removes_the_ready_messages_and_returns_how_many()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("work");
        for (var i = 0; i < 5; i++)
        {
            await channel.PublishTextAsync(string.Empty, queue, $"m{i}");
        }

        // One message is out with a client: purge leaves it, and it comes back when its channel closes.
        await using (var holding = await connection.CreateChannelAsync())
        {
            Assert.NotNull(await holding.BasicGetAsync(queue, autoAck: false));
            Assert.Equal(4u, await channel.QueuePurgeAsync(queue));
            Assert.Equal(0u, await channel.ReadyCountAsync(queue));
        }

        Assert.Equal(new[] { "m0" }, await channel.DrainAsync(queue));
    }

    [Fact]
    public async Task Deleting_a_queue_if_unused_is_refused_while_it_has_consumers()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var consuming = await connection.CreateChannelAsync();
        var queue = await consuming.DeclareQueueAsync("busy");
        var tag = await consuming.BasicConsumeAsync(queue, autoAck: true, new RecordingConsumer(consuming));

        var deleter = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, deleter, () => deleter.QueueDeleteAsync(queue, ifUnused: true, ifEmpty: false));
        Assert.True(broker.HasQueue(queue));

        await consuming.BasicCancelAsync(tag);
        await consuming.QueueDeleteAsync(queue, ifUnused: true, ifEmpty: false);
        Assert.False(broker.HasQueue(queue));
    }

    [Fact]
    public async Task Deleting_a_queue_if_empty_is_refused_while_it_has_messages()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("full");
        await channel.PublishTextAsync(string.Empty, queue, "still here");

        var deleter = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, deleter, () => deleter.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: true));
        Assert.Equal("still here", await channel.GetTextAsync(queue));

        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: true);
        Assert.False(broker.HasQueue(queue));
    }

    [Fact]
    public async Task Deleting_a_queue_returns_how_many_messages_it_held()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("doomed");
        for (var i = 0; i < 4; i++)
        {
            await channel.PublishTextAsync(string.Empty, queue, $"m{i}");
        }

        Assert.Equal(4u, await channel.QueueDeleteAsync(queue));

        await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.QueueDeclarePassiveAsync(queue));
    }

    [Fact]
    public async Task Deleting_a_queue_that_does_not_exist_succeeds()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        Assert.Equal(0u, await channel.QueueDeleteAsync("never-declared"));
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task Binding_arguments_are_part_of_what_identifies_a_binding()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("events", ExchangeType.Direct);
        var queue = await channel.DeclareQueueAsync();
        await channel.QueueBindAsync(queue, "events", "k", Table(("version", 1)));
        await channel.QueueBindAsync(queue, "events", "k", Table(("version", 2)));

        // Removing the first binding leaves the second, which still routes.
        await channel.QueueUnbindAsync(queue, "events", "k", Table(("version", 1)));
        Assert.Single(await channel.QueuesReachedAsync("events", "k", [queue]));

        await channel.QueueUnbindAsync(queue, "events", "k", Table(("version", 2)));
        Assert.Empty(await channel.QueuesReachedAsync("events", "k", [queue]));
    }

    [Fact]
    public async Task Declaring_a_queue_with_the_reserved_amq_prefix_closes_the_channel_with_access_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, channel, () => channel.DeclareQueueAsync("amq.mine"));

        Assert.Equal("ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq.*'", reason.ReplyText);
        Assert.False(broker.HasQueue("amq.mine"));
    }
}
