using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using QueueDeclareOk = Courier.Amqp091.Framing.QueueDeclareOk;

namespace Courier.IntegrationTests.Connections;

/// <summary>A client sending bytes that cannot be framed loses its own connection and nobody else's.</summary>
public sealed class BadInputIsolationTests
{
    [Fact]
    public async Task Garbage_after_the_handshake_closes_that_connection_with_501_while_another_connection_keeps_flowing()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var traffic = await SteadyTraffic.StartAsync(connection, "steady-garbage");
        await traffic.ReceivedAtLeastAsync(20);
        await using var offender = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await offender.OpenAsync();
        await offender.OpenChannelAsync(1);

        await offender.SendAsync(Encoding.ASCII.GetBytes("this is not AMQP, just some garbage bytes\r\n"));

        var close = await offender.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.FrameError, close.ReplyCode);
        await offender.SendMethodAsync(0, new ConnectionCloseOk());
        await offender.WaitForServerCloseAsync();
        await traffic.AssertUnaffectedAsync();
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_frame_declared_larger_than_frame_max_is_refused_with_501_before_its_payload_arrives()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var traffic = await SteadyTraffic.StartAsync(connection, "steady-oversize");
        await traffic.ReceivedAtLeastAsync(20);
        await using var offender = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await offender.OpenAsync(frameMax: 131072);
        await offender.OpenChannelAsync(1);
        var header = new byte[AmqpFrameReader.HeaderSize];
        header[0] = (byte)AmqpFrameType.Body;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(1), 1);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(3), 1_000_000);

        // Only the frame header: a server that waited for the million bytes would never answer.
        await offender.SendAsync(header);

        var close = await offender.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.FrameError, close.ReplyCode);
        await offender.SendMethodAsync(0, new ConnectionCloseOk());
        await offender.WaitForServerCloseAsync();
        await traffic.AssertUnaffectedAsync();
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_frame_one_byte_over_frame_max_is_refused_with_501()
    {
        const uint frameMax = 8192;
        await using var broker = await TestBroker.StartAsync();
        await using var offender = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await offender.OpenAsync(frameMax: frameMax);
        await offender.OpenChannelAsync(1);
        await offender.SendMethodAsync(1, new QueueDeclare { Queue = "fits" });
        await offender.ExpectFrameAsync(QueueDeclareOk.Key);
        await offender.SendMethodAsync(1, new BasicPublish { RoutingKey = "fits" });
        var contentHeader = new byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(contentHeader, AmqpClassId.Basic);
        BinaryPrimitives.WriteUInt64BigEndian(contentHeader.AsSpan(4), 2 * frameMax);
        await offender.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Header, 1, contentHeader));
        await offender.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Body, 1, new byte[frameMax - AmqpFrameReader.Overhead]));

        await offender.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Body, 1, new byte[frameMax - AmqpFrameReader.Overhead + 1]));

        var close = await offender.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.FrameError, close.ReplyCode);
    }

    /// <summary>
    /// One well-behaved RabbitMQ.Client channel publishing numbered messages with confirms to its
    /// own queue and consuming them, for as long as a test misbehaves elsewhere.
    /// </summary>
    private sealed class SteadyTraffic : IAsyncDisposable
    {
        private readonly IChannel _channel;
        private readonly string _queue;
        private readonly ConcurrentQueue<int> _received = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _publishing = Task.CompletedTask;
        private int _published;

        private SteadyTraffic(IChannel channel, string queue)
        {
            _channel = channel;
            _queue = queue;
        }

        public static async Task<SteadyTraffic> StartAsync(IConnection connection, string queue)
        {
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
            var traffic = new SteadyTraffic(channel, queue);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, ea) =>
            {
                traffic._received.Enqueue(int.Parse(Encoding.ASCII.GetString(ea.Body.Span)));
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            traffic._publishing = Task.Run(traffic.PublishUntilStoppedAsync);
            return traffic;
        }

        public Task ReceivedAtLeastAsync(int count) =>
            Wait.UntilAsync(() => _received.Count >= count, $"{count} messages of the steady traffic arrive");

        /// <summary>Keeps the traffic going a while longer, stops it, and checks every message arrived in order.</summary>
        public async Task AssertUnaffectedAsync()
        {
            await ReceivedAtLeastAsync(_received.Count + 20);
            await _stop.CancelAsync();
            await Wait.ForAsync(_publishing, "the publisher to stop");
            var published = Volatile.Read(ref _published);
            await Wait.UntilAsync(() => _received.Count >= published, $"all {published} published messages arrive");
            Assert.Equal(Enumerable.Range(0, published), _received);
            Assert.True(_channel.IsOpen);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _publishing;
            }
            finally
            {
                await _channel.DisposeAsync();
                _stop.Dispose();
            }
        }

        private async Task PublishUntilStoppedAsync()
        {
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                await _channel.BasicPublishAsync(string.Empty, _queue, Encoding.ASCII.GetBytes(n.ToString()));
                Volatile.Write(ref _published, n + 1);
            }
        }
    }
}
