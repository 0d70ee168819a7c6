using System.Text;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using QueueDeclareOk = Courier.Amqp091.Framing.QueueDeclareOk;

namespace Courier.IntegrationTests.Channels;

/// <summary>
/// Channel and basic methods RabbitMQ.Client 7 cannot send (channel.flow from the client,
/// basic.recover, odd flags, frames out of place), driven over a raw socket.
/// </summary>
public sealed class RawChannelTests
{
    private static readonly string[] Numbers = ["one", "two", "three"];

    // Courier honours channel.flow active=false from a client, where RabbitMQ 3.x answers 540: a deliberate choice.
    [Fact]
    public async Task Channel_flow_off_is_confirmed_and_keeps_messages_in_the_queue_until_flow_on_delivers_them_in_order()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var consumer = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await consumer.OpenAsync();
        await OpenConsumerAsync(consumer, channel: 1, "flow-held", "held");

        await consumer.SendMethodAsync(1, new ChannelFlow { Active = false });

        var stopped = await consumer.ExpectMethodAsync(ChannelFlowOk.Key, ChannelFlowOk.Read);
        Assert.False(stopped.Active);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await connection.CreateChannelAsync();
        foreach (var text in Numbers)
        {
            await publisher.BasicPublishAsync(string.Empty, "flow-held", Encoding.UTF8.GetBytes(text));
        }

        // The passive declare is handled after the publishes on its channel, and a queue offers each
        // message to its consumers as it enqueues it: all three still ready means all were refused.
        Assert.Equal(3u, (await publisher.QueueDeclarePassiveAsync("flow-held")).MessageCount);

        await consumer.SendMethodAsync(1, new ChannelFlow { Active = true });

        // A delivery made while flow was off would have arrived ahead of this flow-ok.
        var resumed = await consumer.ExpectMethodAsync(ChannelFlowOk.Key, ChannelFlowOk.Read);
        Assert.True(resumed.Active);
        var deliveries = await ExpectDeliveriesAsync(consumer, Numbers.Length);
        Assert.Equal(Numbers, deliveries.Select(d => d.Text));
        Assert.All(deliveries, d => Assert.Equal("held", d.Method.ConsumerTag));
        Assert.All(deliveries, d => Assert.False(d.Method.Redelivered));
        Assert.Equal(0u, (await publisher.QueueDeclarePassiveAsync("flow-held")).MessageCount);
    }

    [Fact]
    public async Task A_channel_with_flow_off_is_passed_over_and_its_queue_delivers_to_a_consumer_on_another_channel()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var consumers = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await consumers.OpenAsync();
        await OpenConsumerAsync(consumers, channel: 1, "flow-shared", "stopped");
        await OpenConsumerAsync(consumers, channel: 2, "flow-shared", "flowing");
        await consumers.SendMethodAsync(1, new ChannelFlow { Active = false });
        Assert.False((await consumers.ExpectMethodAsync(ChannelFlowOk.Key, ChannelFlowOk.Read)).Active);
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await connection.CreateChannelAsync();

        string[] texts = ["a", "b", "c", "d"];
        foreach (var text in texts)
        {
            await publisher.BasicPublishAsync(string.Empty, "flow-shared", Encoding.UTF8.GetBytes(text));
        }

        // Round robin would hand "a" and "c" to the first consumer if its channel were flowing.
        var deliveries = await ExpectDeliveriesAsync(consumers, texts.Length);
        Assert.Equal(texts, deliveries.Select(d => d.Text));
        Assert.All(deliveries, d => Assert.Equal(2, d.Channel));
        Assert.All(deliveries, d => Assert.Equal("flowing", d.Method.ConsumerTag));
    }

    [Fact]
    public async Task Basic_recover_with_requeue_answers_recover_ok_and_redelivers_unacked_messages_in_order_marked_redelivered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        var first = await ConsumeUnackedAsync(client, "recovered");

        await client.SendMethodAsync(1, new BasicRecover { Requeue = true });

        // The spec does not order recover-ok against the redeliveries, so either may come first.
        var redelivered = new List<RawDelivery>();
        var recoverOks = 0;
        while (recoverOks == 0 || redelivered.Count < Numbers.Length)
        {
            var frame = await client.ReadFrameAsync();
            if (frame.Is(BasicRecoverOk.Key))
            {
                recoverOks++;
                Assert.Equal(1, recoverOks);
            }
            else
            {
                redelivered.Add(await client.ReadDeliveryAsync(frame));
            }
        }

        AssertRedeliveredInOrder(first, redelivered);
    }

    [Fact]
    public async Task Basic_recover_async_with_requeue_redelivers_unacked_messages_in_order_without_a_reply()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        var first = await ConsumeUnackedAsync(client, "recovered-async");

        await client.SendMethodAsync(1, new BasicRecoverAsync { Requeue = true });

        var redelivered = await ExpectDeliveriesAsync(client, Numbers.Length);
        AssertRedeliveredInOrder(first, redelivered);

        // A reply to recover-async would come before the answer to any later method.
        await client.SendMethodAsync(1, new BasicQos());
        await client.ExpectFrameAsync(BasicQosOk.Key);
    }

    [Fact]
    public async Task Basic_recover_without_requeue_closes_the_connection_with_540_as_RabbitMQ_does()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await ConsumeUnackedAsync(client, "not-recovered");

        await client.SendMethodAsync(1, new BasicRecover { Requeue = false });

        var close = await ExpectConnectionClosedWithAsync(client, AmqpConstants.NotImplemented);
        AssertFailingMethod(BasicRecover.Key, close);
    }

    [Fact]
    public async Task Basic_qos_with_a_prefetch_size_closes_the_connection_with_540()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);

        await client.SendMethodAsync(1, new BasicQos { PrefetchSize = 4096, PrefetchCount = 10 });

        var close = await ExpectConnectionClosedWithAsync(client, AmqpConstants.NotImplemented);
        AssertFailingMethod(BasicQos.Key, close);
    }

    [Fact]
    public async Task Basic_publish_with_immediate_closes_the_connection_with_540_and_routes_nothing()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        await observer.QueueDeclareAsync("immediate", durable: false, exclusive: false, autoDelete: false);
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);

        await client.PublishAsync(1, new BasicPublish { RoutingKey = "immediate", Immediate = true }, "now or never"u8);

        var close = await ExpectConnectionClosedWithAsync(client, AmqpConstants.NotImplemented);
        AssertFailingMethod(BasicPublish.Key, close);
        Assert.Equal(0u, (await observer.QueueDeclarePassiveAsync("immediate")).MessageCount);
    }

    [Fact]
    public async Task A_method_frame_between_a_content_header_and_its_body_closes_the_connection_with_505()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        await client.SendMethodAsync(1, new QueueDeclare { Queue = "interrupted" });
        await client.ExpectFrameAsync(QueueDeclareOk.Key);
        await client.SendMethodAsync(1, new BasicPublish { RoutingKey = "interrupted" });
        await client.SendContentHeaderAsync(1, bodySize: 5);

        await client.SendMethodAsync(1, new QueueDeclare { Queue = "interrupted", Passive = true });
        await client.SendContentBodyAsync(1, "hello"u8);

        await ExpectConnectionClosedWithAsync(client, AmqpConstants.UnexpectedFrame);
    }

    [Fact]
    public async Task Connection_update_secret_is_answered_with_update_secret_ok_and_the_connection_stays_open()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();

        await client.SendMethodAsync(0, new ConnectionUpdateSecret { NewSecret = "guest"u8.ToArray(), Reason = "token refresh" });

        var ok = await client.ExpectFrameAsync(ConnectionUpdateSecretOk.Key);
        Assert.Equal(0, ok.Channel);
        await client.OpenChannelAsync(1);
    }

    [Fact]
    public async Task A_content_header_over_the_maximum_message_size_closes_the_channel_with_406_before_the_body_and_its_body_frames_are_ignored()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MaxMessageSize = 1000);
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        await client.SendMethodAsync(1, new QueueDeclare { Queue = "limited" });
        await client.ExpectFrameAsync(QueueDeclareOk.Key);
        await client.SendMethodAsync(1, new BasicPublish { RoutingKey = "limited" });

        await client.SendContentHeaderAsync(1, bodySize: 1001);

        // Nothing of the body has been sent: the header alone is refused.
        var closeFrame = await client.ExpectFrameAsync(ChannelClose.Key);
        Assert.Equal(1, closeFrame.Channel);
        var close = closeFrame.Method(ChannelClose.Read);
        Assert.Equal(AmqpConstants.PreconditionFailed, close.ReplyCode);
        Assert.Equal("PRECONDITION_FAILED - message size 1001 is larger than configured max size 1000", close.ReplyText);

        // The body a client had already sent on its way, in two frames, is dropped with the channel.
        await client.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Body, 1, new byte[500]));
        await client.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Body, 1, new byte[501]));
        await client.SendMethodAsync(1, new ChannelCloseOk());
        await client.OpenChannelAsync(2);
        await client.SendMethodAsync(2, new QueueDeclare { Queue = "limited", Passive = true });
        var declareOk = await client.ExpectMethodAsync(QueueDeclareOk.Key, QueueDeclareOk.Read);
        Assert.Equal(0u, declareOk.MessageCount);
        await client.OpenChannelAsync(1);
    }

    /// <summary>Opens <paramref name="channel"/>, declares <paramref name="queue"/> and consumes from it with acks.</summary>
    private static async Task OpenConsumerAsync(RawAmqpClient client, ushort channel, string queue, string consumerTag)
    {
        await client.OpenChannelAsync(channel);
        await client.SendMethodAsync(channel, new QueueDeclare { Queue = queue });
        await client.ExpectFrameAsync(QueueDeclareOk.Key);
        await client.SendMethodAsync(channel, new BasicConsume { Queue = queue, ConsumerTag = consumerTag });
        await client.ExpectFrameAsync(BasicConsumeOk.Key);
    }

    /// <summary>Publishes <see cref="Numbers"/> on channel 1, consumes them without acking, and returns the deliveries.</summary>
    private static async Task<List<RawDelivery>> ConsumeUnackedAsync(RawAmqpClient client, string queue)
    {
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        await client.SendMethodAsync(1, new QueueDeclare { Queue = queue });
        await client.ExpectFrameAsync(QueueDeclareOk.Key);
        foreach (var text in Numbers)
        {
            await client.PublishAsync(1, string.Empty, queue, Encoding.UTF8.GetBytes(text));
        }

        await client.SendMethodAsync(1, new BasicConsume { Queue = queue, ConsumerTag = "unacked" });
        await client.ExpectFrameAsync(BasicConsumeOk.Key);
        var deliveries = await ExpectDeliveriesAsync(client, Numbers.Length);
        Assert.Equal(Numbers, deliveries.Select(d => d.Text));
        Assert.All(deliveries, d => Assert.False(d.Method.Redelivered));
        return deliveries;
    }

    private static async Task<List<RawDelivery>> ExpectDeliveriesAsync(RawAmqpClient client, int count)
    {
        var deliveries = new List<RawDelivery>();
        while (deliveries.Count < count)
        {
            deliveries.Add(await client.ExpectDeliveryAsync());
        }

        return deliveries;
    }

    private static void AssertRedeliveredInOrder(List<RawDelivery> first, List<RawDelivery> again)
    {
        Assert.Equal(first.Select(d => d.Text), again.Select(d => d.Text));
        Assert.All(again, d => Assert.True(d.Method.Redelivered));
        Assert.All(again, d => Assert.Equal(1, d.Channel));

        // Redeliveries are new deliveries on the channel, with tags after every earlier one.
        var lastTag = first.Max(d => d.Method.DeliveryTag);
        Assert.All(again, d => Assert.True(d.Method.DeliveryTag > lastTag, $"tag {d.Method.DeliveryTag} reused"));
    }

    private static void AssertFailingMethod(uint methodKey, ConnectionClose close)
    {
        Assert.Equal((ushort)(methodKey >> 16), close.FailingClassId);
        Assert.Equal((ushort)(methodKey & 0xFFFF), close.FailingMethodId);
    }

    private static async Task<ConnectionClose> ExpectConnectionClosedWithAsync(RawAmqpClient client, int replyCode)
    {
        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(replyCode, close.ReplyCode);
        await client.SendMethodAsync(0, new ConnectionCloseOk());
        await client.WaitForServerCloseAsync();
        return close;
    }
}
