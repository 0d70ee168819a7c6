using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests;

public sealed class DirectReplyToTests
{
    [Fact]
    public async Task A_reply_to_the_pseudo_queue_reaches_the_requester_without_a_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var serverConnection = await broker.ConnectAsync();
        await using var server = await serverConnection.CreateChannelAsync();
        await server.QueueDeclareAsync("rpc", durable: false, exclusive: false, autoDelete: false);
        var seenReplyTo = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverConsumer = new AsyncEventingBasicConsumer(server);
        serverConsumer.ReceivedAsync += async (_, ea) =>
        {
            seenReplyTo.TrySetResult(ea.BasicProperties.ReplyTo!);
            var props = new BasicProperties { CorrelationId = ea.BasicProperties.CorrelationId };
            await server.BasicPublishAsync(string.Empty, ea.BasicProperties.ReplyTo!, false, props, Encoding.UTF8.GetBytes("pong"));
        };
        await server.BasicConsumeAsync("rpc", autoAck: true, serverConsumer);

        await using var clientConnection = await broker.ConnectAsync();
        await using var client = await clientConnection.CreateChannelAsync();
        var reply = new TaskCompletionSource<(string Body, string? CorrelationId)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var replyConsumer = new AsyncEventingBasicConsumer(client);
        replyConsumer.ReceivedAsync += (_, ea) =>
        {
            reply.TrySetResult((Encoding.UTF8.GetString(ea.Body.Span), ea.BasicProperties.CorrelationId));
            return Task.CompletedTask;
        };
        await client.BasicConsumeAsync("amq.rabbitmq.reply-to", autoAck: true, replyConsumer);
        var request = new BasicProperties { ReplyTo = "amq.rabbitmq.reply-to", CorrelationId = "c-1" };
        await client.BasicPublishAsync(string.Empty, "rpc", false, request, Encoding.UTF8.GetBytes("ping"));

        var replyTo = await Wait.ForAsync(seenReplyTo.Task, "the request");
        Assert.StartsWith("amq.rabbitmq.reply-to.", replyTo, StringComparison.Ordinal);
        var (body, correlationId) = await Wait.ForAsync(reply.Task, "the reply");
        Assert.Equal("pong", body);
        Assert.Equal("c-1", correlationId);
        var passive = await client.QueueDeclarePassiveAsync("amq.rabbitmq.reply-to");
        Assert.Equal(0u, passive.MessageCount);
    }

    [Fact]
    public async Task Naming_the_pseudo_queue_without_consuming_from_it_closes_the_channel_with_406()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("rpc", durable: false, exclusive: false, autoDelete: false);
        var request = new BasicProperties { ReplyTo = "amq.rabbitmq.reply-to" };
        await channel.BasicPublishAsync(string.Empty, "rpc", false, request, "x"u8.ToArray());

        await Wait.UntilAsync(() => channel.IsClosed, "the channel is closed");
        Assert.Equal(406, channel.CloseReason!.ReplyCode);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task The_reply_consumer_must_be_no_ack()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var error = await Assert.ThrowsAsync<OperationInterruptedException>(
            () => channel.BasicConsumeAsync("amq.rabbitmq.reply-to", autoAck: false, new AsyncEventingBasicConsumer(channel)));
        Assert.Equal(406, error.ShutdownReason!.ReplyCode);
    }
}
