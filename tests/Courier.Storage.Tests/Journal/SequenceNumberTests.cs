using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static Courier.Storage.Tests.Journal.TornTailRecoveryTests;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// Log sequence numbers increase for the life of the data directory: across restarts, across
/// compaction and the deletion of every segment that held a record.
/// </summary>
public sealed class SequenceNumberTests
{
    [Fact]
    public async Task Sequence_numbers_continue_after_the_highest_seen_across_a_restart()
    {
        var device = new MemoryJournalDevice();
        long last;
        using (var store = Open(device, CommitPolicy.Always, out _))
        {
            var a = store.AppendMessage(SampleMessages.Plain(1), [1]).CommitSequence;
            var settle = store.AppendSettle(1, store.AppendMessage(SampleMessages.Plain(2), [1]).Ref);
            Assert.True(settle > a);
            last = store.AppendMessage(SampleMessages.Plain(3), [1]).CommitSequence;
            await AwaitDurable(store, last);
        }

        using var reopened = Open(device, CommitPolicy.Always, out _);
        Assert.Equal(last, reopened.Journal.DurableSequence);
        Assert.Equal(last + 1, reopened.AppendMessage(SampleMessages.Plain(4), [1]).CommitSequence);
    }

    [Fact]
    public async Task Sequence_numbers_continue_across_compaction_and_deleted_segments()
    {
        var device = new MemoryJournalDevice();
        long highest = 0;
        using (var store = Open(device, CommitPolicy.Always, out _, segmentSize: 4096))
        {
            // 1. Fill several segments; settle all but one message, and copy that one forward.
            var stored = new List<Core.Storage.StoredMessage>();
            for (var n = 0; n < 12; n++)
            {
                stored.Add(store.AppendMessage(SampleMessages.Plain(n, bodySize: 1000), [1]));
            }

            foreach (var m in stored[1..])
            {
                highest = store.AppendSettle(1, m.Ref);
            }

            var keep = stored[0];
            var copy = store.Relocate(store.Load(keep.Ref), keep.Ref, [1], paged: false, arrived: 0);
            highest = Math.Max(highest, copy.CommitSequence);
            await AwaitDurable(store, highest);

            // A later commit runs the release of what the copy made dead, whichever round the release raced.
            highest = store.AppendMessage(SampleMessages.Plain(12, bodySize: 10), [2]).CommitSequence;
            await AwaitDurable(store, highest);

            // 2. The segments that held the original records are deleted.
            await Eventually.True(() => store.ReferencesIn(keep.Location.Segment) == 0 && !device.ListSegments().Contains(keep.Location.Segment), "the compacted segment is deleted");
        }

        // 3. After a restart the next record comes after every one ever appended.
        using var reopened = Open(device, CommitPolicy.Always, out var recovery, segmentSize: 4096);
        Assert.Single(recovery.Queues[1]);
        Assert.Single(recovery.Queues[2]);
        Assert.True(reopened.AppendMessage(SampleMessages.Plain(99), [1]).CommitSequence > highest);
    }

    [Fact]
    public void A_segment_holding_only_its_header_still_carries_the_next_sequence_number()
    {
        // The records that held sequence numbers up to 999 are gone with their segments; the
        // header of the segment that followed them remembers where numbering goes on.
        var device = new MemoryJournalDevice();
        var identity = StoreIdentity.New();
        device.WriteIdentity(identity.ToBytes());
        var header = new byte[SegmentHeader.Size];
        new SegmentHeader(identity.StoreId, FirstSequence: 1000, Epoch: 1).Write(header);
        device.Open(7).Write(0, header);

        using var store = Open(device, CommitPolicy.Always, out _);
        Assert.Equal(1000, store.AppendMessage(SampleMessages.Plain(1), [1]).CommitSequence);
    }

    [Fact]
    public async Task A_new_segment_header_names_the_next_sequence_number_and_the_epoch()
    {
        var device = new MemoryJournalDevice();
        using var store = new JournalMessageStore(device, new JournalOptions { SegmentSize = 4096, Epoch = 3 }, NullLogger.Instance);
        store.Recover();
        var first = store.AppendMessage(SampleMessages.Plain(1, bodySize: 3000), [1]);
        var second = store.AppendMessage(SampleMessages.Plain(2, bodySize: 3000), [1]);
        await AwaitDurable(store, second.CommitSequence);

        Assert.NotEqual(first.Location.Segment, second.Location.Segment);
        var bytes = new byte[SegmentHeader.Size];
        device.Open(second.Location.Segment).Read(0, bytes);
        var header = SegmentHeader.Read(bytes, "segment");
        Assert.Equal(second.CommitSequence, header.FirstSequence);
        Assert.Equal(3, header.Epoch);
        Assert.Equal(store.Journal.StoreId, header.StoreId);

        var record = store.Journal.ReadRecord(second.Location, out _);
        Assert.Equal(second.CommitSequence, RecordFraming.SequenceOf(record));
        Assert.Equal(3, RecordFraming.EpochOf(record));
    }
}
