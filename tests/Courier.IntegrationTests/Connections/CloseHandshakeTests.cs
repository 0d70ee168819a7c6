using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using QueueDeclareOk = Courier.Amqp091.Framing.QueueDeclareOk;

namespace Courier.IntegrationTests.Connections;

/// <summary>connection.close and channel.close from either side, and which errors close what.</summary>
public sealed class CloseHandshakeTests
{
    [Fact]
    public async Task A_client_closes_its_connection_cleanly()
    {
        await using var broker = await TestBroker.StartAsync();
        var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await connection.CloseAsync();

        Assert.False(connection.IsOpen);
        Assert.Equal(ShutdownInitiator.Application, connection.CloseReason?.Initiator);
        Assert.Equal(AmqpConstants.ReplySuccess, (int?)connection.CloseReason?.ReplyCode);
        await Wait.UntilAsync(() => broker.Logs.Any(l => l.Contains("[1003]", StringComparison.Ordinal)), "the server sees the connection closed");
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Connection_close_is_answered_with_close_ok_and_the_server_closes_the_socket()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);

        await client.SendMethodAsync(0, new ConnectionClose { ReplyCode = AmqpConstants.ReplySuccess, ReplyText = "bye" });

        await client.ExpectFrameAsync(ConnectionCloseOk.Key);
        await client.WaitForServerCloseAsync();
    }

    [Fact]
    public async Task After_close_ok_the_server_reads_what_the_client_still_sends_and_the_socket_closes_cleanly()
    {
        // amqplib sends connection.close ahead of publishes still buffered on its side and goes on
        // flushing them. Closing the socket with those bytes unread would make the kernel reset
        // it: the client's writes fail and its close never completes.
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        var publishes = new ArrayBufferWriter<byte>();
        var body = new byte[1024];
        for (var i = 0; i < 100; i++)
        {
            AmqpFrameWriter.WriteMethod(publishes, 1, new BasicPublish { RoutingKey = "nowhere" });
            AmqpFrameWriter.WriteContentHeader(publishes, 1, AmqpClassId.Basic, (ulong)body.Length, new MessageProperties());
            AmqpFrameWriter.WriteBody(publishes, 1, body, client.FrameMax);
        }

        await client.SendMethodAsync(0, new ConnectionClose { ReplyCode = AmqpConstants.ReplySuccess, ReplyText = "bye" });
        await client.SendAsync(publishes.WrittenMemory);
        await client.ExpectFrameAsync(ConnectionCloseOk.Key);
        for (var i = 0; i < 40; i++)
        {
            // Without the drain the server's socket is gone by now: a write fails with a broken pipe.
            await client.SendAsync(publishes.WrittenMemory);
        }

        client.CloseOutput();
        Assert.Empty(await client.ExpectOrderlyCloseAsync());
    }

    [Theory]
    [InlineData("start")]
    [InlineData("tune")]
    [InlineData("tune-ok")]
    public async Task Connection_close_during_the_handshake_is_answered_with_close_ok(string after)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.StartAsync();
        if (after != "start")
        {
            await client.SendStartOkAsync("PLAIN", RawAmqpClient.PlainResponse("guest", "guest"));
            await client.ExpectFrameAsync(ConnectionTune.Key);
        }

        if (after == "tune-ok")
        {
            await client.SendMethodAsync(0, new ConnectionTuneOk { FrameMax = 131072 });
        }

        await client.SendMethodAsync(0, new ConnectionClose { ReplyCode = AmqpConstants.ReplySuccess, ReplyText = "changed my mind" });

        await client.ExpectFrameAsync(ConnectionCloseOk.Key);
        client.CloseOutput();
        Assert.Empty(await client.ExpectOrderlyCloseAsync());
    }

    [Fact]
    public async Task A_client_closes_a_channel_cleanly_and_the_connection_stays_usable()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var first = await connection.CreateChannelAsync();
        await first.QueueDeclareAsync("after-close", durable: false, exclusive: false, autoDelete: false);
        await first.BasicPublishAsync(string.Empty, "after-close", "kept"u8.ToArray());

        await first.CloseAsync();

        Assert.True(first.IsClosed);
        Assert.Equal(AmqpConstants.ReplySuccess, (int?)first.CloseReason?.ReplyCode);
        Assert.True(connection.IsOpen);
        await using var second = await connection.CreateChannelAsync();
        var got = await second.BasicGetAsync("after-close", autoAck: true);
        Assert.Equal("kept", Encoding.UTF8.GetString(Assert.IsType<BasicGetResult>(got).Body.Span));
        await first.DisposeAsync();
    }

    [Fact]
    public async Task Channel_close_is_answered_with_close_ok_and_the_channel_number_can_be_reused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);

        await client.SendMethodAsync(1, new ChannelClose { ReplyCode = AmqpConstants.ReplySuccess });

        var closeOk = await client.ExpectFrameAsync(ChannelCloseOk.Key);
        Assert.Equal(1, closeOk.Channel);
        await client.OpenChannelAsync(1);
    }

    [Fact]
    public async Task A_frame_on_a_channel_that_was_never_opened_closes_the_connection_with_504()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();

        await client.SendMethodAsync(3, new QueueDeclare { Queue = "never-opened" });

        await ExpectConnectionClosedWithAsync(client, AmqpConstants.ChannelError);
    }

    [Fact]
    public async Task A_content_body_frame_without_a_publish_closes_the_connection_with_505()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);

        await client.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Body, 1, "stray body"u8.ToArray()));

        await ExpectConnectionClosedWithAsync(client, AmqpConstants.UnexpectedFrame);
    }

    [Fact]
    public async Task A_content_header_frame_without_a_publish_closes_the_connection_with_505()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        var header = new byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(header, AmqpClassId.Basic);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(4), 3);

        await client.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Header, 1, header));

        await ExpectConnectionClosedWithAsync(client, AmqpConstants.UnexpectedFrame);
    }

    [Fact]
    public async Task An_unknown_method_id_closes_the_connection_with_503_or_540()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(payload, AmqpClassId.Basic);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), 999);

        await client.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Method, 1, payload));

        var close = await client.ExpectConnectionCloseAsync();
        Assert.Contains(close.ReplyCode, new ushort[] { AmqpConstants.CommandInvalid, AmqpConstants.NotImplemented });
        await client.SendMethodAsync(0, new ConnectionCloseOk());
        await client.WaitForServerCloseAsync();
    }

    [Fact]
    public async Task The_RabbitMQ_client_sees_the_reply_code_of_a_hard_error()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var shutdown = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, ea) =>
        {
            shutdown.TrySetResult(ea);
            return Task.CompletedTask;
        };
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync()).QueueName;
        await channel.BasicConsumeAsync(queue, autoAck: true, "twice", new AsyncEventingBasicConsumer(channel));

        // A consumer tag used twice on one channel is a connection error: 530 NOT_ALLOWED.
        var error = await Assert.ThrowsAsync<OperationInterruptedException>(
            () => channel.BasicConsumeAsync(queue, autoAck: true, "twice", new AsyncEventingBasicConsumer(channel)));

        Assert.Equal(AmqpConstants.NotAllowed, (int?)error.ShutdownReason?.ReplyCode);
        var reason = await Wait.ForAsync(shutdown.Task, "the connection to shut down");
        Assert.Equal(AmqpConstants.NotAllowed, reason.ReplyCode);
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task A_soft_error_closes_only_its_channel_and_other_channels_keep_working()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var healthy = await connection.CreateChannelAsync();
        await using var failing = await connection.CreateChannelAsync();
        await healthy.QueueDeclareAsync("still-working", durable: false, exclusive: false, autoDelete: false);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(healthy);
        consumer.ReceivedAsync += (_, ea) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(ea.Body.Span));
            return Task.CompletedTask;
        };
        await healthy.BasicConsumeAsync("still-working", autoAck: true, consumer);

        var error = await Assert.ThrowsAsync<OperationInterruptedException>(() => failing.QueueDeclarePassiveAsync("no-such-queue"));

        Assert.Equal(AmqpConstants.NotFound, (int?)error.ShutdownReason?.ReplyCode);
        Assert.True(failing.IsClosed);
        Assert.True(connection.IsOpen);
        Assert.True(healthy.IsOpen);
        await healthy.BasicPublishAsync(string.Empty, "still-working", "after the 404"u8.ToArray());
        Assert.Equal("after the 404", await Wait.ForAsync(received.Task, "a delivery on the healthy channel"));
        await using var another = await connection.CreateChannelAsync();
        Assert.True(another.IsOpen);
    }

    [Fact]
    public async Task After_a_soft_error_the_server_sends_channel_close_and_ignores_the_channel_until_close_ok()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);
        await client.OpenChannelAsync(2);

        await client.SendMethodAsync(1, new QueueDeclare { Queue = "no-such-queue", Passive = true });

        var closeFrame = await client.ExpectFrameAsync(ChannelClose.Key);
        Assert.Equal(1, closeFrame.Channel);
        Assert.Equal(AmqpConstants.NotFound, closeFrame.Method(ChannelClose.Read).ReplyCode);
        await client.SendMethodAsync(1, new ChannelCloseOk());
        await client.SendMethodAsync(2, new QueueDeclare { Queue = "other-channel" });
        var declareOk = await client.ExpectFrameAsync(QueueDeclareOk.Key);
        Assert.Equal(2, declareOk.Channel);
    }

    [Fact]
    public async Task A_client_that_never_answers_connection_close_is_dropped_when_the_close_timeout_has_passed_not_at_the_next_whole_second()
    {
        // The clock only moves when the test says so: the close is sent half-way between two of
        // the connection's once-a-second checks, and the socket must close 3 s after it, not at
        // the first check after that (4 s).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(configure: null, configureServices: s => s.AddSingleton<TimeProvider>(time));
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        time.Advance(TimeSpan.FromMilliseconds(500));

        await client.SendMethodAsync(3, new QueueDeclare { Queue = "never-opened" });
        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.ChannelError, close.ReplyCode);

        // Two steps: a fake clock fires every timer due within one step with the step's end time.
        time.Advance(TimeSpan.FromMilliseconds(2_900));
        time.Advance(TimeSpan.FromMilliseconds(100));
        await client.WaitForServerCloseAsync();
    }

    private static async Task ExpectConnectionClosedWithAsync(RawAmqpClient client, int replyCode)
    {
        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(replyCode, close.ReplyCode);
        await client.SendMethodAsync(0, new ConnectionCloseOk());
        await client.WaitForServerCloseAsync();
    }
}
