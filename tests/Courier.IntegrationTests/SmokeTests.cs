using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests;

public sealed class SmokeTests
{
    [Fact]
    public async Task A_message_published_to_a_queue_is_consumed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("hello", durable: false, exclusive: false, autoDelete: false)).QueueName;

        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(ea.Body.Span));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        await channel.BasicPublishAsync(string.Empty, queue, Encoding.UTF8.GetBytes("Hello World!"));

        Assert.Equal("Hello World!", await Wait.ForAsync(received.Task, "the message"));
    }
}
