using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// How refusals reach the client: soft errors (403, 404, 405, 406) close the channel they happened
/// on, hard errors (503, 530, ...) close the connection, with RabbitMQ's codes, texts and failing method.
/// </summary>
public sealed class ErrorTests
{
    [Fact]
    public async Task A_soft_error_closes_only_its_channel_and_other_channels_keep_working()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var healthy = await connection.CreateChannelAsync();
        var queue = await healthy.DeclareQueueAsync("healthy");
        var consumer = new RecordingConsumer(healthy);
        await healthy.BasicConsumeAsync(queue, autoAck: true, consumer);

        await using var failing = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.NotFound, connection, failing,
            () => failing.BasicConsumeAsync("missing", autoAck: true, new RecordingConsumer(failing)));

        Assert.True(healthy.IsOpen);
        await healthy.PublishTextAsync(string.Empty, queue, "still delivered");
        Assert.Equal("still delivered", (await consumer.WaitForAsync(1))[0].Text);
    }

    [Fact]
    public async Task A_channel_error_names_the_failing_method()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.QueueBindAsync("missing", "amq.direct", "k"));

        Assert.Equal(50, reason.ClassId); // queue
        Assert.Equal(20, reason.MethodId); // queue.bind
        Assert.Equal("NOT_FOUND - no queue 'missing' in vhost '/'", reason.ReplyText);
    }

    [Fact]
    public async Task A_channel_id_can_be_reused_after_the_broker_closed_that_channel()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var failing = await connection.CreateChannelAsync();
        var number = failing.ChannelNumber;
        await Refusals.ClosesChannelAsync(Constants.NotFound, connection, failing, () => failing.QueueDeclarePassiveAsync("missing"));
        await failing.DisposeAsync();

        await using var reopened = await connection.CreateChannelAsync();

        Assert.Equal(number, reopened.ChannelNumber);
        await reopened.DeclareQueueAsync("works");
    }

    [Fact]
    public async Task Reusing_a_consumer_tag_on_a_channel_closes_the_connection_with_not_allowed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var bystander = await connection.CreateChannelAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("tagged");
        await channel.BasicConsumeAsync(queue, autoAck: true, "dup", new RecordingConsumer(channel));

        var reason = await Refusals.ClosesConnectionAsync(Constants.NotAllowed, connection,
            () => channel.BasicConsumeAsync(queue, autoAck: true, "dup", new RecordingConsumer(channel)));

        Assert.Equal("NOT_ALLOWED - attempt to reuse consumer tag 'dup'", reason.ReplyText);
        Assert.Equal(60, reason.ClassId); // basic
        Assert.Equal(20, reason.MethodId); // basic.consume
        Assert.False(channel.IsOpen);
        Assert.False(bystander.IsOpen);
    }

    [Fact]
    public async Task Declaring_an_exchange_of_unknown_type_closes_only_the_channel_with_precondition_failed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        // As RabbitMQ since 3.12.x (pika's acceptance suite expects it): a channel error.
        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.ExchangeDeclareAsync("odd", "no-such-type"));

        Assert.Equal("PRECONDITION_FAILED - unknown exchange type 'no-such-type'", reason.ReplyText);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_connection_error_releases_the_connections_unacked_messages_and_leaves_other_connections_alone()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var other = await broker.ConnectAsync();
        await using var otherChannel = await other.CreateChannelAsync();
        var queue = await otherChannel.DeclareQueueAsync("work");
        await otherChannel.PublishTextAsync(string.Empty, queue, "held");

        await using var failing = await broker.ConnectAsync();
        await using var channel = await failing.CreateChannelAsync();
        Assert.NotNull(await channel.BasicGetAsync(queue, autoAck: false));
        await channel.BasicConsumeAsync(queue, autoAck: true, "dup", new RecordingConsumer(channel));
        await Refusals.ClosesConnectionAsync(Constants.NotAllowed, failing,
            () => channel.BasicConsumeAsync(queue, autoAck: true, "dup", new RecordingConsumer(channel)));

        Assert.True(other.IsOpen);
        var back = await otherChannel.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(back);
        Assert.True(back.Redelivered);
    }
}
