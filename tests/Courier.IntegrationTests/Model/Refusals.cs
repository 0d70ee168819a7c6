using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// Assertions about how the broker refuses a request: a soft error closes only the channel and
/// leaves the connection usable; a hard error closes the whole connection. Both are initiated by
/// the broker, with RabbitMQ's reply code.
/// </summary>
internal static class Refusals
{
    /// <summary>Runs a synchronous method the broker must refuse with a channel error.</summary>
    public static async Task<ShutdownEventArgs> ClosesChannelAsync(int replyCode, IConnection connection, IChannel channel, Func<Task> operation)
    {
        var error = await Assert.ThrowsAnyAsync<OperationInterruptedException>(operation);
        Assert.Equal(replyCode, error.ShutdownReason!.ReplyCode);
        return await ChannelClosedAsync(replyCode, connection, channel);
    }

    /// <summary>
    /// Waits for the broker to close <paramref name="channel"/> with <paramref name="replyCode"/> (for
    /// methods without a reply, such as basic.publish and basic.ack), then proves the connection still works.
    /// </summary>
    public static async Task<ShutdownEventArgs> ChannelClosedAsync(int replyCode, IConnection connection, IChannel channel)
    {
        await Wait.UntilAsync(() => channel.IsClosed, "the broker closes the channel");
        var reason = channel.CloseReason!;
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
        Assert.Equal(replyCode, reason.ReplyCode);
        Assert.True(connection.IsOpen, $"reply code {replyCode} is a channel error and must leave the connection open");

        await using var probe = await connection.CreateChannelAsync();
        await probe.ExchangeDeclarePassiveAsync("amq.direct");
        return reason;
    }

    /// <summary>Runs a method the broker must refuse with a connection error.</summary>
    public static async Task<ShutdownEventArgs> ClosesConnectionAsync(int replyCode, IConnection connection, Func<Task> operation)
    {
        await Assert.ThrowsAnyAsync<OperationInterruptedException>(operation);
        return await ConnectionClosedAsync(replyCode, connection);
    }

    public static async Task<ShutdownEventArgs> ConnectionClosedAsync(int replyCode, IConnection connection)
    {
        await Wait.UntilAsync(() => !connection.IsOpen, "the broker closes the connection");
        var reason = connection.CloseReason!;
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
        Assert.Equal(replyCode, reason.ReplyCode);
        return reason;
    }
}
