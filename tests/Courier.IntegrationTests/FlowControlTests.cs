using System.Collections.Concurrent;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests;

/// <summary>
/// Queue flow through RabbitMQ.Client: a publisher that outruns a queue's consumers is paused
/// (its connection is not read) once the backlog reaches the per-queue limit, resumes as the
/// consumers catch up, and nothing is lost or reordered; other connections are not held up.
/// </summary>
public sealed class FlowControlTests
{
    private const int Limit = 1_000;
    private const int BodySize = 1024;

    // More than loopback's socket buffers hold, so a paused publisher cannot finish on its own.
    private const int Count = 30_000;

    [Fact]
    public async Task A_publisher_outrunning_a_stalled_consumer_is_paused_at_the_limit_and_resumes_without_loss()
    {
        // A pause longer than the test: the publisher may resume only because the queue drained.
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.Broker.QueueReadyInMemory = Limit;
            o.Amqp.FlowPauseMilliseconds = 600_000;
        });
        await using var consumerConnection = await broker.ConnectAsync();
        await using var consumerChannel = await consumerConnection.CreateChannelAsync();
        await consumerChannel.QueueDeclareAsync("flow", durable: false, exclusive: false, autoDelete: false);
        await consumerChannel.BasicQosAsync(0, 1, global: false);
        broker.Host.Broker.TryGetVirtualHost("/", out var vhost);
        Assert.True(vhost!.TryGetQueue("flow", out var queue));

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentQueue<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await release.Task; // the consumer stalls on its first message until released
            received.Enqueue(BitConverter.ToInt32(delivery.Body.Span));
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (received.Count == Count)
            {
                all.TrySetResult();
            }
        };
        await consumerChannel.BasicConsumeAsync("flow", autoAck: false, consumer);

        await using var publisherConnection = await broker.ConnectAsync();
        await using var publisherChannel = await publisherConnection.CreateChannelAsync();
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                var body = new byte[BodySize];
                BitConverter.TryWriteBytes(body, i);
                await publisherChannel.BasicPublishAsync(string.Empty, "flow", body);
            }
        });

        try
        {
            await Wait.UntilAsync(() => queue.IsFlowLimited, "the queue to limit flow", TimeSpan.FromSeconds(30));

            // A round trip through the broker on another connection, many times over: time enough for
            // an unpaused publisher to push thousands more messages. It is not held up itself.
            await using (var other = await broker.ConnectAsync())
            await using (var otherChannel = await other.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
            {
                await otherChannel.QueueDeclareAsync("elsewhere", durable: false, exclusive: false, autoDelete: false);
                for (var i = 0; i < 200; i++)
                {
                    await Wait.ForAsync(otherChannel.BasicPublishAsync(string.Empty, "elsewhere", new byte[16]).AsTask(), "a publish elsewhere");
                }
            }

            Assert.False(publishing.IsCompleted, "the publisher was paused");
            // Not one publish is handled after the one that reached the limit.
            Assert.Equal(Limit, queue.MessageCount);
        }
        finally
        {
            // However the checks above went, the consumer must not stay stalled past the test.
            release.TrySetResult();
        }

        await Wait.ForAsync(publishing, "the publisher to finish once the consumer catches up", TimeSpan.FromSeconds(60));
        await Wait.ForAsync(all.Task, "every message to arrive", TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, Count), received);
        Assert.False(queue.IsFlowLimited);
    }

    [Fact]
    public async Task A_connection_that_publishes_and_acks_on_its_own_is_slowed_but_never_deadlocked()
    {
        // Its acks wait behind its publishes in the same socket: only the bounded pause lets them in.
        await using var broker = await TestBroker.StartAsync(o => o.Broker.QueueReadyInMemory = 100);
        await using var connection = await broker.ConnectAsync();
        await using var consuming = await connection.CreateChannelAsync();
        await using var publishing = await connection.CreateChannelAsync();
        await consuming.QueueDeclareAsync("own-acks", durable: false, exclusive: false, autoDelete: false);
        await consuming.BasicQosAsync(0, 10, global: false);
        const int count = 3_000;
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref received) == count)
            {
                all.TrySetResult();
            }
        };
        await consuming.BasicConsumeAsync("own-acks", autoAck: false, consumer);

        for (var i = 0; i < count; i++)
        {
            await publishing.BasicPublishAsync(string.Empty, "own-acks", new byte[BodySize]);
        }

        await Wait.ForAsync(all.Task, "every message to be consumed and acknowledged", TimeSpan.FromSeconds(60));
    }
}
