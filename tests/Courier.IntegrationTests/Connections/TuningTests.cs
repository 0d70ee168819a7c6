using System.Collections.Concurrent;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using QueueDeclareOk = Courier.Amqp091.Framing.QueueDeclareOk;

namespace Courier.IntegrationTests.Connections;

/// <summary>connection.tune / tune-ok: channel_max and frame_max as the client asked for them.</summary>
public sealed class TuningTests
{
    [Fact]
    public async Task The_server_proposes_RabbitMQs_default_limits()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);

        var tune = await client.OpenAsync();

        Assert.Equal(2047, tune.ChannelMax);
        Assert.Equal(131072u, tune.FrameMax);
        Assert.Equal(60, tune.Heartbeat);
    }

    [Fact]
    public async Task The_channel_max_and_frame_max_a_client_requests_are_honoured()
    {
        await using var broker = await TestBroker.StartAsync();

        await using var connection = await broker.ConnectAsync(f =>
        {
            f.RequestedChannelMax = 16;
            f.RequestedFrameMax = 8192;
        });

        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(16, connection.ChannelMax);
        Assert.Equal(8192u, connection.FrameMax);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task The_spec_minimum_frame_max_of_4096_is_accepted()
    {
        await using var broker = await TestBroker.StartAsync();

        await using var connection = await broker.ConnectAsync(f => f.RequestedFrameMax = 4096);

        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("small-frames", durable: false, exclusive: false, autoDelete: false);
        Assert.Equal(4096u, connection.FrameMax);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_frame_max_below_4096_is_refused_with_530()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.StartAsync();
        await client.SendStartOkAsync("PLAIN", RawAmqpClient.PlainResponse("guest", "guest"));
        await client.ExpectFrameAsync(ConnectionTune.Key);

        await client.SendMethodAsync(0, new ConnectionTuneOk { ChannelMax = 0, FrameMax = 4095 });

        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.NotAllowed, close.ReplyCode);
    }

    [Fact]
    public async Task A_message_larger_than_frame_max_round_trips_through_the_RabbitMQ_client()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync(f => f.RequestedFrameMax = 8192);
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("large", durable: false, exclusive: false, autoDelete: false)).QueueName;
        var body = new byte[100_000];
        new Random(42).NextBytes(body);

        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) =>
        {
            received.TrySetResult(ea.Body.ToArray());
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        await channel.BasicPublishAsync(string.Empty, queue, body);

        Assert.Equal(body, await Wait.ForAsync(received.Task, "the large message"));
    }

    [Fact]
    public async Task The_server_splits_a_delivered_body_into_frames_that_fit_the_negotiated_frame_max()
    {
        const uint frameMax = 8192;
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync(frameMax: frameMax);
        await client.OpenChannelAsync(1);
        await client.SendMethodAsync(1, new QueueDeclare { Queue = "split" });
        await client.ExpectFrameAsync(QueueDeclareOk.Key);
        var body = new byte[3 * frameMax];
        new Random(7).NextBytes(body);

        await client.PublishAsync(1, string.Empty, "split", body);
        await client.SendMethodAsync(1, new BasicGet { Queue = "split", NoAck = true });

        await client.ExpectFrameAsync(BasicGetOk.Key);
        var header = await client.ReadFrameAsync();
        Assert.Equal(AmqpFrameType.Header, header.Type);
        var bodyFrames = new List<RawFrame>();
        var collected = 0;
        while (collected < body.Length)
        {
            var frame = await client.ReadFrameAsync();
            Assert.Equal(AmqpFrameType.Body, frame.Type);
            Assert.True(frame.Payload.Length + AmqpFrameReader.Overhead <= frameMax, $"a body frame of {frame.Payload.Length} bytes exceeds frame_max {frameMax}");
            bodyFrames.Add(frame);
            collected += frame.Payload.Length;
        }

        Assert.True(bodyFrames.Count >= 4, $"expected the body in at least 4 frames, got {bodyFrames.Count}");
        Assert.Equal(body, bodyFrames.SelectMany(f => f.Payload).ToArray());
    }

    [Fact]
    public async Task Opening_more_channels_than_the_negotiated_channel_max_fails()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync(f => f.RequestedChannelMax = 5);
        var channels = new List<IChannel>();
        for (var i = 0; i < 5; i++)
        {
            channels.Add(await connection.CreateChannelAsync());
        }

        await Assert.ThrowsAsync<ChannelAllocationException>(() => connection.CreateChannelAsync());

        Assert.All(channels, c => Assert.True(c.IsOpen));
    }

    [Fact]
    public async Task The_server_refuses_a_channel_beyond_channel_max_with_530()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync(channelMax: 2);
        await client.OpenChannelAsync(1);
        await client.OpenChannelAsync(2);

        await client.SendMethodAsync(3, new ChannelOpen());

        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.NotAllowed, close.ReplyCode);
    }

    [Fact]
    public async Task Two_hundred_channels_on_one_connection_each_publish_and_consume_independently()
    {
        const int channelCount = 200;
        const int messagesPerChannel = 5;
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var received = new ConcurrentDictionary<int, ConcurrentQueue<string>>();
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = 0;

        var channels = await Task.WhenAll(Enumerable.Range(0, channelCount).Select(async i =>
        {
            var channel = await connection.CreateChannelAsync();
            var queue = (await channel.QueueDeclareAsync($"many-{i}", durable: false, exclusive: false, autoDelete: false)).QueueName;
            var inbox = received.GetOrAdd(i, _ => new ConcurrentQueue<string>());
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, ea) =>
            {
                inbox.Enqueue(Encoding.UTF8.GetString(ea.Body.Span));
                if (Interlocked.Increment(ref total) == channelCount * messagesPerChannel)
                {
                    allReceived.TrySetResult();
                }

                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            return (channel, queue);
        }));

        await Task.WhenAll(channels.Select(async (c, i) =>
        {
            for (var m = 0; m < messagesPerChannel; m++)
            {
                await c.channel.BasicPublishAsync(string.Empty, c.queue, Encoding.UTF8.GetBytes($"{i}:{m}"));
            }
        }));

        await Wait.ForAsync(allReceived.Task, $"{channelCount * messagesPerChannel} deliveries", TimeSpan.FromSeconds(30));
        for (var i = 0; i < channelCount; i++)
        {
            Assert.Equal(Enumerable.Range(0, messagesPerChannel).Select(m => $"{i}:{m}"), received[i]);
        }

        Assert.Equal(channelCount, channels.Select(c => c.channel.ChannelNumber).Distinct().Count());
        foreach (var (channel, _) in channels)
        {
            await channel.DisposeAsync();
        }
    }
}
