using System.Collections.Concurrent;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// The replication seam: the committer hands each synced batch to the stage and tells waiters only
/// once the stage has completed for it; a stage that fails fails the store.
/// </summary>
public sealed class ReplicationStageTests
{
    [Fact]
    public async Task Waiters_are_told_only_after_the_stage_completes_and_in_order()
    {
        var stage = new HeldStage();
        using var store = new JournalMessageStore(new MemoryJournalDevice(), new JournalOptions(), NullLogger.Instance, stage);
        store.Recover();

        // 1. Three publishes, each waited for; the stage holds every batch it is given.
        var told = new ConcurrentQueue<int>();
        var probes = new List<DurabilityProbe>();
        for (var n = 0; n < 3; n++)
        {
            var index = n;
            var probe = new DurabilityProbe(_ => told.Enqueue(index));
            store.WhenDurable(store.AppendMessage(SampleMessages.Plain(n), [1]).CommitSequence, probe);
            probes.Add(probe);
        }

        // 2. Synced, but held by the stage: nobody is told.
        var first = await stage.NextAsync();
        Assert.All(probes, p => Assert.False(p.IsCompleted));
        Assert.Equal("messages", first.Log);
        Assert.Equal(1, first.Epoch);
        Assert.True(first.FirstSequence <= first.LastSequence);
        Assert.Equal(first.LastSequence - first.FirstSequence + 1, CountRecords(first.Records.Span));

        // 3. Released batch by batch, each batch's successor starts where it ended, and the
        //    waiters hear in publish order.
        var last = first;
        stage.Release();
        while (last.LastSequence < store.Journal.LastSequence)
        {
            var next = await stage.NextAsync();
            Assert.Equal(last.LastSequence + 1, next.FirstSequence);
            last = next;
            stage.Release();
        }

        foreach (var probe in probes)
        {
            Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
        }

        Assert.Equal([0, 1, 2], told);
    }

    [Fact]
    public async Task A_failing_stage_fails_the_waiters_and_the_store_and_confirms_nothing_after()
    {
        var stage = new HeldStage();
        using var store = new JournalMessageStore(new MemoryJournalDevice(), new JournalOptions(), NullLogger.Instance, stage);
        store.Recover();

        var ok = new DurabilityProbe();
        store.WhenDurable(store.AppendMessage(SampleMessages.Plain(0), [1]).CommitSequence, ok);
        await stage.NextAsync();
        stage.Release();
        Assert.Equal(DurabilityOutcome.Durable, await ok.Outcome);

        // The next batch is refused by the stage.
        var doomed = new DurabilityProbe();
        var doomedSequence = store.AppendMessage(SampleMessages.Plain(1), [1]).CommitSequence;
        store.WhenDurable(doomedSequence, doomed);
        await stage.NextAsync();
        stage.Fail(new IOException("replicas unreachable"));

        Assert.Equal(DurabilityOutcome.Failed, await doomed.Outcome);
        Assert.True(store.IsFailed);
        Assert.Throws<StoreFailedException>(() => store.AppendMessage(SampleMessages.Plain(2), [1]));
        var late = new DurabilityProbe();
        store.WhenDurable(doomedSequence, late);
        Assert.Equal(DurabilityOutcome.Failed, await late.Outcome);
    }

    [Fact]
    public async Task A_single_node_store_completes_the_stage_at_once()
    {
        using var store = new JournalMessageStore(new MemoryJournalDevice(), new JournalOptions(), NullLogger.Instance);
        store.Recover();
        var probe = new DurabilityProbe();
        store.WhenDurable(store.AppendMessage(SampleMessages.Plain(0), [1]).CommitSequence, probe);
        Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
        Assert.True(LocalReplicationStage.Instance.ReplicateAsync(default, CancellationToken.None).IsCompletedSuccessfully);
    }

    private static long CountRecords(ReadOnlySpan<byte> records)
    {
        long count = 0;
        int size;
        while ((size = RecordFraming.Measure(records)) > 0)
        {
            records = records[size..];
            count++;
        }

        Assert.True(records.IsEmpty, "the batch is whole records");
        return count;
    }

    /// <summary>A stage that holds each batch until the test releases or fails it.</summary>
    private sealed class HeldStage : IReplicationStage
    {
        private readonly SemaphoreSlim _arrived = new(0);
        private ReplicationBatch _batch;
        private TaskCompletionSource? _pending;

        public async ValueTask ReplicateAsync(ReplicationBatch batch, CancellationToken cancellationToken)
        {
            // The records are valid only until this completes: keep a copy, as a real stage would.
            _batch = batch with { Records = batch.Records.ToArray() };
            _pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _arrived.Release();
            await _pending.Task;
        }

        public async Task<ReplicationBatch> NextAsync()
        {
            Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(30)), "the stage was never given a batch");
            return _batch;
        }

        public void Release() => _pending!.SetResult();

        public void Fail(Exception e) => _pending!.SetException(e);
    }
}
