using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Issue 13, finding 4: a message delivered before an unclean stop comes back with
/// redelivered=true, even when the record of its delivery had not reached the disk when the node
/// died. After a clean stop the flag is exact again: never-delivered messages come back unflagged.
/// </summary>
public sealed class RedeliveredAfterCrashTests(ITestOutputHelper output)
{
    private const string Queue = "redelivered.after.crash";
    private const int Count = 20_000;

    [Fact]
    public async Task Messages_delivered_just_before_SIGKILL_come_back_redelivered()
    {
        // 1. Start a node and fill a durable queue with confirmed persistent messages.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        await PublishAsync(broker, Count);

        // 2. A consumer acks each message as it comes (100 in flight); nothing else is published, so
        //    nothing commits the delivered and settle records early. SIGKILL as soon as half have
        //    arrived: the records of the last deliveries and acks still wait for the journal's
        //    deferred window, so those messages come back, and must come back flagged.
        var seen = new HashSet<string>();
        var half = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 100, global: false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            lock (seen)
            {
                // Every message seen is recorded before its ack: one acked is always in the set.
                if (seen.Add(Encoding.UTF8.GetString(delivery.Body.Span)) && seen.Count == Count / 2)
                {
                    half.TrySetResult();
                }
            }

            try
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or IOException or ObjectDisposedException)
            {
                // The broker died under the ack.
            }
        };
        await channel.BasicConsumeAsync(Queue, autoAck: false, consumer);
        await Wait.ForAsync(half.Task, "half of the messages delivered", TimeSpan.FromSeconds(30));

        // 3. SIGKILL at once, and restart on what the killed process left.
        await broker.KillAsync();
        await broker.RestartAsync();

        // 4. Every message the consumer did not see is back; every message back is flagged, those the
        //    consumer saw (delivered before the crash) first of all.
        var read = await ReadAllAsync(broker);
        lock (seen)
        {
            Assert.Equal(Count - seen.Count, read.Count(r => !seen.Contains(r.Body)));
        }

        var unflagged = read.Where(r => !r.Redelivered).Select(r => r.Body).ToList();
        List<string> seenUnflagged;
        lock (seen)
        {
            seenUnflagged = [.. unflagged.Where(seen.Contains)];
        }

        Assert.True(seenUnflagged.Count == 0, $"{seenUnflagged.Count} messages delivered before the crash came back with redelivered=false");
        Assert.True(unflagged.Count == 0, $"{unflagged.Count} messages came back after the crash with redelivered=false");
        Assert.Single(broker.RunLinesContaining("did not stop cleanly"));
        await broker.StopGracefullyAsync();
        broker.AssertNoErrorsLogged();
        connection.Dispose();
    }

    [Fact]
    public async Task After_a_clean_stop_never_delivered_messages_come_back_unflagged()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        await PublishAsync(broker, 10);

        // A crash, then a clean stop: the marker of the crash does not outlive the run after it.
        await broker.KillAsync();
        await broker.RestartAsync();
        await broker.StopGracefullyAsync();
        await broker.RestartAsync();

        var read = await ReadAllAsync(broker);
        Assert.Equal(10, read.Count);
        Assert.True(read.All(r => r.Redelivered), "the messages recovered after the crash stay flagged: they may have been delivered");
        await PublishAsync(broker, 10);
        await broker.StopGracefullyAsync();
        await broker.RestartAsync();
        read = await ReadAllAsync(broker);
        Assert.Equal([.. Enumerable.Repeat(true, 10), .. Enumerable.Repeat(false, 10)], read.Select(r => r.Redelivered));
        Assert.Empty(broker.RunLinesContaining("did not stop cleanly"));
        await broker.StopGracefullyAsync();
        broker.AssertNoErrorsLogged();
    }

    private static async Task PublishAsync(BrokerProcess broker, int count)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
        var properties = new BasicProperties { Persistent = true };
        var inFlight = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            inFlight.Add(channel.BasicPublishAsync(string.Empty, Queue, false, properties, Encoding.UTF8.GetBytes($"m{i}")).AsTask());
        }

        await Wait.ForAsync(Task.WhenAll(inFlight), "the confirms", TimeSpan.FromSeconds(30));
        await connection.CloseAsync();
    }

    /// <summary>Reads the whole queue with basic.get, recording each message's body and flag, then requeues it all.</summary>
    private static async Task<List<(string Body, bool Redelivered)>> ReadAllAsync(BrokerProcess broker)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var flags = new List<(string Body, bool Redelivered)>();
        ulong last = 0;
        while (flags.Count <= Count && await channel.BasicGetAsync(Queue, autoAck: false) is { } get)
        {
            flags.Add((Encoding.UTF8.GetString(get.Body.Span), get.Redelivered));
            last = get.DeliveryTag;
        }

        if (last > 0)
        {
            await channel.BasicNackAsync(last, multiple: true, requeue: true);
        }

        await connection.CloseAsync();
        return flags;
    }
}
