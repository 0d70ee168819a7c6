using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Durability;

/// <summary>A message as read back from a queue: which one it is, its tag on the reading channel, and its redelivered flag.</summary>
internal sealed record ReadBack(SequencedMessage Message, ulong DeliveryTag, bool Redelivered);

/// <summary>
/// Reads everything a queue holds, in queue order, with a consumer (much faster than basic.get
/// for thousands of messages) and manual acknowledgement, leaving every delivery unsettled on
/// the channel so the caller decides: ack them all, or requeue them all in their original places.
/// </summary>
internal static class QueueContents
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan StallTimeout = Infrastructure.Wait.DefaultTimeout;

    /// <summary>Reads all ready messages of <paramref name="queue"/>, which must have no other consumer.</summary>
    public static async Task<List<ReadBack>> ReadAllAsync(IChannel channel, string queue)
    {
        var expected = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        if (expected == 0)
        {
            return [];
        }

        var gate = new Lock();
        var raw = new List<(byte[] Body, IReadOnlyBasicProperties Properties, ulong Tag, bool Redelivered)>((int)expected);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            lock (gate)
            {
                raw.Add((delivery.Body.ToArray(), new BasicProperties(delivery.BasicProperties), delivery.DeliveryTag, delivery.Redelivered));
            }

            return Task.CompletedTask;
        };

        // No prefetch limit: nothing is acknowledged until everything has been read.
        await channel.BasicQosAsync(0, 0, global: false);
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        int Received()
        {
            lock (gate)
            {
                return raw.Count;
            }
        }

        // Deliveries must keep coming: fail when they stall, naming how far they got.
        var deadline = DateTime.UtcNow + ReadTimeout;
        var lastCount = -1;
        var lastProgress = DateTime.UtcNow;
        while (Received() is var count && count < expected)
        {
            var now = DateTime.UtcNow;
            if (count != lastCount)
            {
                lastCount = count;
                lastProgress = now;
            }

            Assert.True(now - lastProgress < StallTimeout && now < deadline, $"deliveries from '{queue}' stalled after {count} of {expected} messages");
            await Task.Delay(5);
        }

        await channel.BasicCancelAsync(tag);

        lock (gate)
        {
            Assert.True(raw.Count == expected, $"queue '{queue}' reported {expected} messages but delivered {raw.Count}");
            var read = new List<ReadBack>(raw.Count);
            foreach (var (body, properties, deliveryTag, redelivered) in raw)
            {
                read.Add(new ReadBack(SequencedMessage.Verify(queue, body, properties), deliveryTag, redelivered));
            }

            return read;
        }
    }

    /// <summary>Acknowledges (or requeues) everything read on the channel so far, with one multiple ack (or nack).</summary>
    public static async Task SettleAllAsync(IChannel channel, List<ReadBack> read, bool requeue)
    {
        if (read.Count == 0)
        {
            return;
        }

        var last = read[^1].DeliveryTag;
        if (requeue)
        {
            await channel.BasicNackAsync(last, multiple: true, requeue: true);
        }
        else
        {
            await channel.BasicAckAsync(last, multiple: true);
        }
    }
}
