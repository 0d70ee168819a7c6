using Courier.IntegrationTests.Infrastructure;
using Courier.Storage.Devices;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Courier.IntegrationTests;

/// <summary>When the journal cannot sync, nothing it could not save is confirmed, and it resumes when it can.</summary>
public sealed class StoreFailureTests
{
    [Fact]
    public async Task While_syncs_fail_the_covered_publish_waits_new_ones_are_nacked_and_all_resumes_when_the_disk_does()
    {
        var device = new MemoryJournalDevice();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IJournalDevice>(device));
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
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
        var store = (Courier.Storage.JournalMessageStore)broker.Host.Broker.Store!;

        // 1. A persistent message is confirmed after its sync.
        await channel.BasicPublishAsync(string.Empty, "durable", false, persistent, "saved"u8.ToArray());
        await Wait.UntilAsync(() => Count(acks) == 1, "the first confirm");

        // 2. Every sync fails from now (EIO): the journal stalls; the publish it covered is neither
        //    confirmed nor nacked, and publishers are blocked.
        device.FailFlushes = true;
        await channel.BasicPublishAsync(string.Empty, "durable", false, persistent, "waits"u8.ToArray());
        await Wait.UntilAsync(() => store.IsStalled, "the journal stalls");
        Assert.True(broker.Host.Broker.Resources.IsBlocked);
        Assert.False(store.IsFailed);

        // 3. A persistent publish that reaches the broker meanwhile (from a connection that was not
        //    publishing yet, so not blocked) is nacked at once, and never queued.
        await using var late = await broker.ConnectAsync();
        await using var lateChannel = await late.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        var lateNacks = new List<ulong>();
        lateChannel.BasicNacksAsync += (_, e) =>
        {
            lock (lateNacks)
            {
                lateNacks.Add(e.DeliveryTag);
            }

            return Task.CompletedTask;
        };
        await lateChannel.BasicPublishAsync(string.Empty, "durable", false, persistent, "refused"u8.ToArray());
        await Wait.UntilAsync(() => Count(lateNacks) == 1, "a nack for the publish made while the journal could not write");
        Assert.Empty(Snapshot(nacks));
        Assert.Equal([1ul], Snapshot(acks));

        // 4. The disk recovers: the waiting publish is confirmed, publishers are unblocked, and the
        //    queue holds what was confirmed and not what was nacked.
        device.FailFlushes = false;
        await Wait.UntilAsync(() => Count(acks) == 2, "the confirm of the publish the failed syncs covered");
        Assert.Equal([1ul, 2ul], Snapshot(acks));
        Assert.Empty(Snapshot(nacks));
        await Wait.UntilAsync(() => !broker.Host.Broker.Resources.IsBlocked, "publishers are unblocked");
        Assert.Equal(2u, (await channel.QueueDeclarePassiveAsync("durable")).MessageCount);
        Assert.Contains(broker.Logs, line => line.Contains("could not write or sync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_confirms_a_persistent_publish_to_a_stalled_store_closes_the_connection()
    {
        var device = new MemoryJournalDevice();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IJournalDevice>(device));
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
        var store = (Courier.Storage.JournalMessageStore)broker.Host.Broker.Store!;
        device.FailFlushes = true;
        await channel.BasicPublishAsync(string.Empty, "durable", false, new BasicProperties { Persistent = true }, "a"u8.ToArray());
        await Wait.UntilAsync(() => store.IsStalled, "the journal stalls");

        // A connection that was not publishing yet (so not blocked) publishes without confirms.
        await using var late = await broker.ConnectAsync();
        var lateChannel = await late.CreateChannelAsync();
        await lateChannel.BasicPublishAsync(string.Empty, "durable", false, new BasicProperties { Persistent = true }, "b"u8.ToArray());
        await Wait.UntilAsync(() => !late.IsOpen, "the connection is closed");
        Assert.Equal(541, late.CloseReason!.ReplyCode);
        device.FailFlushes = false;
    }

    [Fact]
    public async Task Purge_ok_is_sent_only_once_the_purge_is_durable()
    {
        var device = new MemoryJournalDevice();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IJournalDevice>(device));
        var store = (Courier.Storage.JournalMessageStore)broker.Host.Broker.Store!;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("durable", durable: true, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync(string.Empty, "durable", false, new BasicProperties { Persistent = true }, "a"u8.ToArray());

        // 1. Syncs fail from now on; the purge is done in memory but cannot be made durable.
        device.FailFlushes = true;
        await using var admin = await broker.ConnectAsync();
        await using var adminChannel = await admin.CreateChannelAsync();
        var purge = adminChannel.QueuePurgeAsync("durable");
        await Wait.UntilAsync(() => store.IsStalled, "the journal stalls on the purge's settle");
        var attempts = device.FlushAttempts;
        await Wait.UntilAsync(() => device.FlushAttempts > attempts + 1, "the journal retries");
        Assert.False(purge.IsCompleted, "purge-ok came before the purge was durable");

        // 2. The disk recovers: purge-ok follows.
        device.FailFlushes = false;
        Assert.Equal(1u, await Wait.ForAsync(purge, "purge-ok once the purge is durable"));
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
