using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Connections;

/// <summary>Stopping the node closes client connections the AMQP way, with 320 CONNECTION_FORCED.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Stopping_the_host_closes_a_RabbitMQ_client_connection_with_320()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var shutdown = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, ea) =>
        {
            shutdown.TrySetResult(ea);
            return Task.CompletedTask;
        };

        await Wait.ForAsync(broker.Host.StopAsync(), "the host to stop");

        var reason = await Wait.ForAsync(shutdown.Task, "the connection to shut down");
        Assert.Equal(AmqpConstants.ConnectionForced, reason.ReplyCode);
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
        Assert.Equal(AmqpConstants.ConnectionForced, (int?)connection.CloseReason?.ReplyCode);
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task Stopping_the_host_sends_connection_close_320_and_waits_for_close_ok()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync();
        await client.OpenChannelAsync(1);

        var stopping = broker.Host.StopAsync();

        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.ConnectionForced, close.ReplyCode);
        Assert.Contains("shutdown", close.ReplyText, StringComparison.Ordinal);
        await client.SendMethodAsync(0, new ConnectionCloseOk());
        await client.WaitForServerCloseAsync();
        await Wait.ForAsync(stopping, "the host to stop");
    }

    [Fact]
    public async Task A_publisher_blocked_by_a_resource_alarm_is_closed_with_320_on_shutdown_and_answers_close_ok()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MemoryHighWatermark = 1_000_000);
        await using var connection = await broker.ConnectAsync();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shutdown = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionBlockedAsync += (_, _) =>
        {
            blocked.TrySetResult();
            return Task.CompletedTask;
        };
        connection.ConnectionShutdownAsync += (_, ea) =>
        {
            shutdown.TrySetResult(ea);
            return Task.CompletedTask;
        };
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("held", durable: false, exclusive: false, autoDelete: false);
        var body = new byte[100_000];
        for (var i = 0; i < 30; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "held", body);
        }

        await Wait.ForAsync(blocked.Task, "connection.blocked");

        // The connection's reader is paused by the alarm; shutdown must still reach it, so the
        // client gets connection.close and its close-ok is read (no close timeout, no abort).
        await Wait.ForAsync(broker.Host.StopAsync(), "the host to stop");
        var reason = await Wait.ForAsync(shutdown.Task, "the connection to shut down");
        Assert.Equal(AmqpConstants.ConnectionForced, reason.ReplyCode);
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
    }
}
