using Courier.IntegrationTests.Infrastructure;
using Courier.Storage.Devices;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Courier.IntegrationTests;

/// <summary>When the journal cannot sync, nothing it could not save is confirmed.</summary>
public sealed class StoreFailureTests
{
    [Fact]
    public async Task A_failed_fsync_nacks_the_persistent_publishes_it_covered_and_refuses_more()
    {
        var device = new MemoryJournalDevice();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IJournalDevice>(device));
        broker.ErrorsExpected = true;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("transient", durable: false, exclusive: false, autoDelete: false);
        var acks = new List<ulong>();
        var nacks = new List<ulong>();
        channel.BasicAcksAsync += (_, e) =>
        {
            lock (acks)
            {
                acks.Add(e.DeliveryTag);
            }

            return Task.CompletedTask;
        };
        channel.BasicNacksAsync += (_, e) =>
        {
            lock (nacks)
            {
                nacks.Add(e.DeliveryTag);
            }

            return Task.CompletedTask;
        };
        var persistent = new BasicProperties { Persistent = true };

        // 1. A persistent message is confirmed after its sync.
        await channel.BasicPublishAsync(string.Empty, "durable", false, persistent, "saved"u8.ToArray());
        await Wait.UntilAsync(() => Count(acks) == 1, "the first confirm");

        // 2. The next sync fails: that publish is nacked, never acked.
        device.FailNextFlush = true;
        await channel.BasicPublishAsync(string.Empty, "durable", false, persistent, "lost"u8.ToArray());
        await Wait.UntilAsync(() => Count(nacks) == 1, "a nack for the publish the failed sync covered");
        Assert.Equal(2ul, nacks[0]);
        Assert.True(broker.Host.Broker.Store!.IsFailed);

        // 3. Later persistent publishes are refused with a nack at once; transient ones still work.
        await channel.BasicPublishAsync(string.Empty, "durable", false, persistent, "refused"u8.ToArray());
        await channel.BasicPublishAsync(string.Empty, "transient", "fine"u8.ToArray());
        await Wait.UntilAsync(() => Count(nacks) == 2 && Count(acks) == 2, "a nack for the refused publish and an ack for the transient one");
        Assert.Equal([1ul, 4ul], Snapshot(acks));
        Assert.Equal([2ul, 3ul], Snapshot(nacks));
        Assert.Contains(broker.Logs, line => line.Contains("Critical", StringComparison.Ordinal) && line.Contains("journal", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Without_confirms_a_persistent_publish_to_a_failed_store_closes_the_connection()
    {
        var device = new MemoryJournalDevice();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IJournalDevice>(device));
        broker.ErrorsExpected = true;
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
        device.FailNextFlush = true;
        await channel.BasicPublishAsync(string.Empty, "durable", false, new BasicProperties { Persistent = true }, "a"u8.ToArray());
        await Wait.UntilAsync(() => broker.Host.Broker.Store!.IsFailed, "the store has failed");

        await channel.BasicPublishAsync(string.Empty, "durable", false, new BasicProperties { Persistent = true }, "b"u8.ToArray());
        await Wait.UntilAsync(() => !connection.IsOpen, "the connection is closed");
        Assert.Equal(541, connection.CloseReason!.ReplyCode);
    }

    private static int Count(List<ulong> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static ulong[] Snapshot(List<ulong> list)
    {
        lock (list)
        {
            return [.. list.Order()];
        }
    }
}
