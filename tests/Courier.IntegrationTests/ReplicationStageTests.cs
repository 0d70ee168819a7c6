using Courier.Core.Storage;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Courier.IntegrationTests;

/// <summary>
/// Publisher confirms wait for the replication stage: a persistent publish is confirmed only once
/// the stage has accepted its batch, and is nacked if the stage fails.
/// </summary>
public sealed class ReplicationStageTests
{
    [Fact]
    public async Task Confirms_wait_for_a_slow_stage_and_go_out_in_order()
    {
        var stage = new GatedStage();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IReplicationStage>(stage));
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        await channel.QueueDeclareAsync("replicated", durable: true, exclusive: false, autoDelete: false);
        var confirms = Track(channel);

        for (var n = 0; n < 3; n++)
        {
            await channel.BasicPublishAsync(string.Empty, "replicated", false, new BasicProperties { Persistent = true }, new byte[] { (byte)n });
        }

        // Synced but held by the stage: nothing is confirmed.
        await Wait.UntilAsync(() => stage.Batches > 0, "the stage to be given a batch");
        Assert.Empty(confirms.Snapshot());

        stage.Open();
        await Wait.UntilAsync(() => confirms.HighestAcked == 3, "every publish to be confirmed");
        Assert.All(confirms.Snapshot(), c => Assert.True(c.Ack));
        Assert.Equal(confirms.Snapshot().Select(c => c.Tag).Order(), confirms.Snapshot().Select(c => c.Tag));
    }

    [Fact]
    public async Task A_failing_stage_nacks_the_publishes_and_confirms_nothing_after()
    {
        var stage = new GatedStage();
        await using var broker = await TestBroker.StartAsync(configure: null, services => services.AddSingleton<IReplicationStage>(stage));
        broker.ErrorsExpected = true;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        await channel.QueueDeclareAsync("replicated", durable: true, exclusive: false, autoDelete: false);
        var confirms = Track(channel);

        await channel.BasicPublishAsync(string.Empty, "replicated", false, new BasicProperties { Persistent = true }, "a"u8.ToArray());
        await Wait.UntilAsync(() => stage.Batches > 0, "the stage to be given the batch");
        stage.Fail(new IOException("no quorum"));
        await Wait.UntilAsync(() => confirms.Snapshot().Count == 1, "the publish to be settled");

        await channel.BasicPublishAsync(string.Empty, "replicated", false, new BasicProperties { Persistent = true }, "b"u8.ToArray());
        await Wait.UntilAsync(() => confirms.Snapshot().Count == 2, "the later publish to be settled");
        Assert.Equal([(1ul, false), (2ul, false)], confirms.Snapshot().Select(c => (c.Tag, c.Ack)));
        Assert.True(broker.Host.Broker.Store!.IsFailed);
    }

    private static ConfirmLog Track(IChannel channel)
    {
        var log = new ConfirmLog();
        channel.BasicAcksAsync += (_, e) => log.Add(e.DeliveryTag, e.Multiple, ack: true);
        channel.BasicNacksAsync += (_, e) => log.Add(e.DeliveryTag, e.Multiple, ack: false);
        return log;
    }

    /// <summary>Every confirm as (tag, ack), a multiple one expanded to each tag it covers.</summary>
    private sealed class ConfirmLog
    {
        private readonly List<(ulong Tag, bool Ack)> _confirms = [];

        public ulong HighestAcked
        {
            get
            {
                lock (_confirms)
                {
                    return _confirms.Where(c => c.Ack).Select(c => c.Tag).DefaultIfEmpty().Max();
                }
            }
        }

        public Task Add(ulong tag, bool multiple, bool ack)
        {
            lock (_confirms)
            {
                var from = multiple ? (_confirms.Count == 0 ? 1 : _confirms[^1].Tag + 1) : tag;
                for (var t = from; t <= tag; t++)
                {
                    _confirms.Add((t, ack));
                }
            }

            return Task.CompletedTask;
        }

        public List<(ulong Tag, bool Ack)> Snapshot()
        {
            lock (_confirms)
            {
                return [.. _confirms];
            }
        }
    }

    /// <summary>Holds every batch until opened (or fails it).</summary>
    private sealed class GatedStage : IReplicationStage
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _batches;

        public int Batches => Volatile.Read(ref _batches);

        public ValueTask ReplicateAsync(ReplicationBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _batches);
            return new ValueTask(_gate.Task);
        }

        public void Open() => _gate.TrySetResult();

        public void Fail(Exception e) => _gate.TrySetException(e);
    }
}
