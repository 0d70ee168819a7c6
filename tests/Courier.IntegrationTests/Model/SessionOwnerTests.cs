using System.Net;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// Consumers and exclusive queues are owned by the client session of the connection that made
/// them: it says which protocol, user, vhost and address it is, and the core can ask it to close.
/// </summary>
public sealed class SessionOwnerTests
{
    [Fact]
    public async Task A_consumer_and_an_exclusive_queue_are_owned_by_their_connection_s_session()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("mine", durable: false, exclusive: true, autoDelete: false);
        await channel.BasicConsumeAsync("mine", autoAck: true, "watched", new RecordingConsumer(channel));

        Assert.True(broker.DefaultVirtualHost().TryGetQueue("mine", out var queue));
        var consumer = Assert.Single(queue.GetConsumers());
        var session = consumer.Owner;
        Assert.Equal("watched", consumer.Tag);
        Assert.Same(session, queue.ExclusiveOwner);
        Assert.Equal("amqp", session.Protocol);
        Assert.Equal("guest", session.User);
        Assert.Equal("/", session.VirtualHost);
        Assert.Equal(connection.LocalPort, Assert.IsType<IPEndPoint>(session.RemoteEndPoint).Port);

        // Another connection's consumer has another session.
        await using var other = await broker.ConnectAsync();
        await using var otherChannel = await other.CreateChannelAsync();
        await otherChannel.QueueDeclareAsync("shared", durable: false, exclusive: false, autoDelete: false);
        await channel.BasicConsumeAsync("shared", autoAck: true, "first", new RecordingConsumer(channel));
        await otherChannel.BasicConsumeAsync("shared", autoAck: true, "second", new RecordingConsumer(otherChannel));
        Assert.True(broker.DefaultVirtualHost().TryGetQueue("shared", out var shared));
        var owners = shared.GetConsumers().ToDictionary(c => c.Tag, c => c.Owner);
        Assert.Same(session, owners["first"]);
        Assert.NotSame(session, owners["second"]);
        Assert.NotEqual(session.Id, owners["second"].Id);
    }

    [Fact]
    public async Task The_core_can_ask_a_session_to_close_and_its_connection_closes_with_320_and_the_reason()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("taken", durable: false, exclusive: true, autoDelete: false);
        var shutdown = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, ea) =>
        {
            shutdown.TrySetResult(ea);
            return Task.CompletedTask;
        };
        Assert.True(broker.DefaultVirtualHost().TryGetQueue("taken", out var queue));

        queue.ExclusiveOwner!.Close("client id taken over");

        var reason = await Wait.ForAsync(shutdown.Task, "the connection to shut down");
        Assert.Equal(AmqpConstants.ConnectionForced, reason.ReplyCode);
        Assert.Equal("CONNECTION_FORCED - broker forced connection closure with reason 'client id taken over'", reason.ReplyText);
        await Wait.UntilAsync(() => !broker.HasQueue("taken"), "the session's exclusive queue is released");
    }
}
